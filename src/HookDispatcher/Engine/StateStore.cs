using System.Text.Json;
using HookDispatcher.Host;

namespace HookDispatcher.Engine;

/// <summary>
/// Per-domain state files under the state directory (0700, files 0600). Every save is write-temp, fsync,
/// rename, fsync-dir, so a crash leaves either the old or the new file, never a torn one.
/// </summary>
/// <param name="beforeChange">
/// Called with the state file's path before each write or delete: the seam through which tests make one of them
/// fail (it throws an <see cref="IOException"/>). Null in production.
/// </param>
/// <param name="beforeRename">
/// Called with the temporary file once it is written and flushed, before it replaces the state file: the seam at
/// which tests stop a save half-way, as a crash would. Null in production.
/// </param>
internal sealed class StateStore(string stateDir, Action<string>? beforeChange = null, Action<string>? beforeRename = null)
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Directory { get; } = stateDir;

    /// <summary>The domain's state file; a name that could lead outside the state directory is refused.</summary>
    public string PathOf(string domain) => Rules.RuleLoader.IsValidDomainName(domain, out var error)
        ? Path.Join(Directory, domain + ".json")
        : throw new StateException($"no state file for domain \"{domain}\": {error}");

    public void EnsureDirectory()
    {
        try
        {
            var info = System.IO.Directory.CreateDirectory(Directory, DirMode);
            if (info.UnixFileMode != DirMode)
            {
                info.UnixFileMode = DirMode;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"Cannot create state directory '{Directory}': {e.Message}", e);
        }
    }

    public DomainState? Load(string domain) => LoadFile(PathOf(domain));

    /// <summary>Every state file, each read on its own: one unreadable file does not hide the others; dot files are temporaries.</summary>
    public IReadOnlyList<(string Path, DomainState? State, StateException? Error)> LoadEach()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        var result = new List<(string, DomainState?, StateException?)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json")
                     .Where(p => !Path.GetFileName(p).StartsWith('.'))
                     .Order(StringComparer.Ordinal))
        {
            try
            {
                result.Add((path, LoadFile(path), null));
            }
            catch (StateException e)
            {
                result.Add((path, null, e));
            }
        }
        return result;
    }

    public void Save(DomainState state)
    {
        EnsureDirectory();
        var target = PathOf(state.Domain);
        var temp = Path.Join(Directory, "." + state.Domain + ".json.tmp");
        try
        {
            beforeChange?.Invoke(target);
            var options = new FileStreamOptions
            {
                Mode = System.IO.FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = FileMode,
            };
            state.Version = DomainState.CurrentVersion;
            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, state, StateJsonContext.Default.DomainState);
                stream.Flush(flushToDisk: true);
            }
            beforeRename?.Invoke(temp);
            File.Move(temp, target, overwrite: true);
            SyncDirectory();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"Cannot write state file '{target}': {e.Message}", e);
        }
    }

    public void Delete(string domain)
    {
        try
        {
            beforeChange?.Invoke(PathOf(domain));
            File.Delete(PathOf(domain));
            SyncDirectory();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"Cannot delete state file '{PathOf(domain)}': {e.Message}", e);
        }
    }

    private static DomainState? LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"Cannot read state file '{path}': {e.Message}", e);
        }
        DomainState state;
        int version;
        try
        {
            version = (JsonSerializer.Deserialize(bytes, StateJsonContext.Default.StateHeader) ?? throw Empty(path)).Version;
            version = version == 0 ? 1 : version;
            if (version > DomainState.CurrentVersion || version < 1)
            {
                throw new StateException(
                    $"State file '{path}' has format {version}, which this hookdispatcher (format {DomainState.CurrentVersion}) cannot read: written by a newer version? Install that one again to release it{ForgetHint(path)}");
            }
            state = version < 4
                ? LegacyRecords.Migrate(JsonSerializer.Deserialize(bytes, StateJsonContext.Default.LegacyDomainState) ?? throw Empty(path))
                : JsonSerializer.Deserialize(bytes, StateJsonContext.Default.DomainState) ?? throw Empty(path);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new StateException($"State file '{path}' is corrupt: {e.Message}{ForgetHint(path)}", e);
        }
        if (Path.GetFileNameWithoutExtension(path) != state.Domain)
        {
            throw new StateException($"State file '{path}' names domain \"{state.Domain}\", not the one its name says{ForgetHint(path)}");
        }
        if (state.Steps.FirstOrDefault(r => r.Data is null) is { } bare)
        {
            throw new StateException($"State file '{path}' is corrupt: record '{bare.Id}' holds no data{ForgetHint(path)}");
        }
        state.Version = version;
        return state;
    }

    private static StateException Empty(string path) => new($"State file '{path}' is empty (null){ForgetHint(path)}");

    /// <summary>What to do about a state file that cannot be read: its records cannot be undone, only dropped.</summary>
    private static string ForgetHint(string path) =>
        $"; once what domain {Path.GetFileNameWithoutExtension(path)} held is put right by hand, 'hookctl forget {Path.GetFileNameWithoutExtension(path)} --yes' drops the file";

    private void SyncDirectory()
    {
        // The rename is durable only once the directory entry is on disk.
        var fd = LibC.Open(Directory, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            LibC.Fsync(fd);
            LibC.Close(fd);
        }
    }
}
