namespace Reimzul.History;

/// <summary>The history database was written by a newer reimzul (a schema version this one does not know): refused, never altered.</summary>
public sealed class HistorySchemaException : Exception
{
    public HistorySchemaException()
    {
    }

    public HistorySchemaException(string message)
        : base(message)
    {
    }

    public HistorySchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HistorySchemaException(string database, int found, int known)
        : base($"the build history {database} has schema version {found}; this reimzul knows up to {known}: upgrade reimzul (the database was left untouched)")
    {
        Found = found;
        Known = known;
    }

    public int Found { get; }

    public int Known { get; }
}
