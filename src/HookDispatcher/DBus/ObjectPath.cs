namespace HookDispatcher.DBus;

/// <summary>A D-Bus object path ('o'): '/' or '/'-separated elements of [A-Za-z0-9_].</summary>
internal readonly record struct ObjectPath
{
    public ObjectPath(string value)
    {
        if (!IsValid(value))
        {
            throw new ArgumentException($"'{value}' is not a valid D-Bus object path", nameof(value));
        }
        Value = value;
    }

    public string Value { get; }

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value[0] != '/')
        {
            return false;
        }
        if (value.Length == 1)
        {
            return true;
        }
        var previousSlash = true;
        for (var i = 1; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '/')
            {
                if (previousSlash)
                {
                    return false;
                }
                previousSlash = true;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                previousSlash = false;
            }
            else
            {
                return false;
            }
        }
        return !previousSlash;
    }

    public override string ToString() => Value ?? "";
}
