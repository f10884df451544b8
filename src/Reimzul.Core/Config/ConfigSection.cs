using System.Globalization;
using Reimzul.Rpm;

namespace Reimzul.Config;

/// <summary>
/// Typed reads of one section's values. Each getter returns null when the key is absent (the caller keeps
/// its default) and throws a <see cref="ConfigException"/> naming file, line, section, key and reason when
/// the value is unusable.
/// </summary>
internal sealed class ConfigSection(string file, string name, IniSection? section)
{
    private const string DurationHint = "use 90, 90s, 15m or 6h";
    private const string BoolHint = "use true/false, yes/no, on/off or 1/0";

    public string Name => name;

    public IniSection? Raw => section;

    /// <summary>The value as written, possibly empty.</summary>
    public string? Text(string key) => section?.Entry(key)?.Value;

    /// <summary>A non-empty value without blanks (host names, program names, addresses).</summary>
    public string? Word(string key) => Read<string>(key, static value =>
        value.Length == 0 ? (null, "is empty")
        : value.Any(char.IsWhiteSpace) ? (null, $"'{value}' contains a blank")
        : (value, null));

    public bool? Bool(string key) => Read<bool?>(key, static value => value.ToLowerInvariant() switch
    {
        "1" or "yes" or "true" or "on" => (true, null),
        "0" or "no" or "false" or "off" => (false, null),
        _ => (null, $"'{value}' is not a boolean ({BoolHint})"),
    });

    public int? Int(string key, int min, int max) => (int?)Long(key, min, max);

    public long? Long(string key, long min, long max) => Read<long?>(key, value =>
        !TryParseWhole(value, out var number) ? (null, $"'{value}' is not a whole number")
        : number < min || number > max ? (null, $"'{value}' is out of range ({min} to {max})")
        : (number, null));

    /// <summary>A whole number of MiB from <paramref name="minMb"/> to <paramref name="maxMb"/>, returned in bytes.</summary>
    public long? Megabytes(string key, long minMb, long maxMb) => Long(key, minMb, Math.Min(maxMb, long.MaxValue / (1024 * 1024))) * 1024 * 1024;

    public int? Port(string key) => Read<int?>(key, static value =>
        TryParseWhole(value, out var port) && port is >= 1 and <= 65535
            ? ((int)port, null)
            : (null, $"'{value}' is not a port (1 to 65535)"));

    /// <summary>Plain seconds or a number with a unit: <c>90</c>, <c>90s</c>, <c>15m</c>, <c>6h</c>, <c>2d</c>.</summary>
    public TimeSpan? Duration(string key, TimeSpan min, TimeSpan max, string? minReason = null) => Read<TimeSpan?>(key, value =>
    {
        if (!TryParseDuration(value, out var duration))
        {
            return (null, $"'{value}' is not a duration ({DurationHint})");
        }
        if (duration < min)
        {
            return (null, $"'{value}' is too short (at least {FormatDuration(min)}{(minReason is null ? "" : "; " + minReason)})");
        }
        return duration > max ? (null, $"'{value}' is too long (at most {FormatDuration(max)})") : (duration, null);
    });

    /// <summary>One of <paramref name="allowed"/> (case-insensitive, returned lower-case).</summary>
    public string? OneOf(string key, string what, params string[] allowed) => Read<string>(key, value =>
    {
        var lower = value.ToLowerInvariant();
        return allowed.Contains(lower, StringComparer.Ordinal)
            ? (lower, null)
            : (null, $"'{value}' is not a known {what} (use {string.Join(" or ", allowed)})");
    });

    /// <summary>A path: <c>~/</c> expands to the home directory, a relative path is taken under <paramref name="baseDir"/>.</summary>
    public string? Path(string key, string baseDir) => Read<string>(key, value =>
        value.Length == 0 ? (null, "is empty") : (System.IO.Path.GetFullPath(ExpandHome(value), baseDir), null));

    /// <summary>An absolute path (or <c>~/...</c>).</summary>
    public string? AbsolutePath(string key) => Read<string>(key, static value =>
    {
        if (value.Length == 0)
        {
            return (null, "is empty");
        }
        var expanded = ExpandHome(value);
        return System.IO.Path.IsPathFullyQualified(expanded)
            ? (System.IO.Path.GetFullPath(expanded), null)
            : (null, $"'{value}' is not an absolute path");
    });

    /// <summary>A value checked by <paramref name="check"/>, which returns the reason it is wrong or null.</summary>
    public string? Checked(string key, Func<string, string?> check) => Read<string>(key, value => check(value) is { } reason ? (null, reason) : (value, null));

    public ConfigException Error(IniEntry entry, string reason) => new(file, entry.Line, $"[{name}] {entry.Key}: {reason}");

    internal static bool TryParseDuration(string value, out TimeSpan duration)
    {
        duration = default;
        var digits = value.Length > 0 && value[^1] is 's' or 'm' or 'h' or 'd' ? value[..^1] : value;
        if (!IsDigits(digits))
        {
            return false;
        }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            amount = long.MaxValue;
        }
        var unitSeconds = value[^1] switch
        {
            'm' => 60L,
            'h' => 3600L,
            'd' => 86400L,
            _ => 1L,
        };
        // Far beyond any sensible limit: report it as too long rather than overflow.
        if (amount > TimeSpan.MaxValue.TotalSeconds / unitSeconds / 2)
        {
            duration = TimeSpan.MaxValue;
            return true;
        }
        duration = TimeSpan.FromSeconds(amount * unitSeconds);
        return true;
    }

    internal static string FormatDuration(TimeSpan duration) =>
        duration.TotalSeconds % 86400 == 0 ? $"{duration.TotalDays:0}d"
        : duration.TotalSeconds % 3600 == 0 ? $"{duration.TotalHours:0}h"
        : duration.TotalSeconds % 60 == 0 ? $"{duration.TotalMinutes:0}m"
        : $"{duration.TotalSeconds:0}s";

    private T? Read<T>(string key, Func<string, (T? Value, string? Error)> parse)
    {
        if (section?.Entry(key) is not { } entry)
        {
            return default;
        }
        var (value, error) = parse(entry.Value);
        return error is null ? value : throw Error(entry, error);
    }

    private static bool IsDigits(string value) => value.Length > 0 && value.All(char.IsAsciiDigit);

    // Too many digits still counts as a number, just one out of every range.
    private static bool TryParseWhole(string value, out long number)
    {
        var negative = value.StartsWith('-');
        if (!IsDigits(negative ? value[1..] : value))
        {
            number = 0;
            return false;
        }
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            number = negative ? long.MinValue : long.MaxValue;
        }
        return true;
    }

    private static string ExpandHome(string value) =>
        value == "~" || value.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value[1..])
            : value;
}
