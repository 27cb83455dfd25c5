using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;

namespace HookDispatcher.Configuration;

/// <summary>
/// One config file's layer: Configuration.Json's parser over bytes read by us (no file providers, no watchers), whose
/// syntax errors become one line naming the file and the line.
/// </summary>
internal sealed class JsonLayerProvider(string path, byte[] bytes)
    : JsonStreamConfigurationProvider(new JsonStreamConfigurationSource { Stream = new MemoryStream(bytes, writable: false) })
{
    public string Path { get; } = path;

    public override void Load(Stream stream)
    {
        try
        {
            base.Load(stream);
        }
        catch (JsonException e)
        {
            // System.Text.Json appends " LineNumber: 0 | BytePositionInLine: 21." (zero-based): said once, one-based.
            var message = e.Message.ReplaceLineEndings(" ");
            var position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new ConfigException(FormattableString.Invariant(
                $"{Path}: line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: not valid JSON: {(position < 0 ? message : message[..position])}"));
        }
        catch (FormatException e)
        {
            // Configuration.Json's own checks: a top level that is not an object, a key given twice.
            throw new ConfigException($"{Path}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
