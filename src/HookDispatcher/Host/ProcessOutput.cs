using System.Text;

namespace HookDispatcher.Host;

/// <summary>
/// One output pipe of a child: split into lines for the journal as bytes arrive, and kept (up to
/// <see cref="ProcessRunner.KeptOutputBytes"/>) for the caller's error message.
/// </summary>
internal sealed class ProcessOutput(ProcessStream stream, Action<ProcessStream, string>? onLine)
{
    /// <summary>A line longer than this is logged in pieces: a runaway writer must not grow the buffer.</summary>
    private const int MaxLineBytes = 16 * 1024;

    private readonly MemoryStream _kept = new();
    private readonly List<byte> _line = [];

    public string Text => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        var room = ProcessRunner.KeptOutputBytes - (int)_kept.Length;
        if (room > 0)
        {
            _kept.Write(bytes[..Math.Min(room, bytes.Length)]);
        }
        if (onLine is null)
        {
            return;
        }
        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                EmitLine();
            }
            else
            {
                _line.Add(b);
                if (_line.Count >= MaxLineBytes)
                {
                    EmitLine();
                }
            }
        }
    }

    /// <summary>The last line when it had no newline.</summary>
    public void Flush()
    {
        if (_line.Count > 0)
        {
            EmitLine();
        }
    }

    private void EmitLine()
    {
        var count = _line.Count > 0 && _line[^1] == (byte)'\r' ? _line.Count - 1 : _line.Count;
        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_line)[..count]);
        _line.Clear();
        onLine?.Invoke(stream, text);
    }
}
