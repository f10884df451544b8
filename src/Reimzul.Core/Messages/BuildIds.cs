namespace Reimzul.Messages;

/// <summary>Build ids: sortable by time, unique without coordination.</summary>
public static class BuildIds
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
