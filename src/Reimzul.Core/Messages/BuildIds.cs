namespace Reimzul.Messages;

/// <summary>Build ids: sortable by time, unique without coordination.</summary>
public static class BuildIds
{
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>32 lower-case hex digits, the shape of <see cref="New"/> and of the ids workers derive: safe in a path.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: 32 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
