namespace Reimzul.History;

/// <summary>
/// Which builds <see cref="IHistoryStore.ListAsync"/> returns: every filter is optional and they all hold together;
/// the page continues after <see cref="Cursor"/> (the <see cref="BuildPage.NextCursor"/> of the page before).
/// </summary>
public sealed record BuildQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The record's status (Building, Success, Failed, Override, ...).</summary>
    public string? Status { get; init; }
    public string? Target { get; init; }
    public string? Arch { get; init; }
    public string? PkgName { get; init; }
    public string? Submitter { get; init; }

    /// <summary>Recorded at or after.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Recorded before.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Made by the store that answers; another store's cursor, or anything else, is refused.</summary>
    public string? Cursor { get; init; }

    /// <summary>Refuses (with <see cref="ArgumentException"/>) a query no store answers.</summary>
    public static void Check(BuildQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentException($"limit {query.Limit} is not between 1 and {MaxLimit}", nameof(query));
        }
    }
}

/// <summary>One page of builds, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record BuildPage
{
    public IReadOnlyList<BuildRecord> Records { get; init; } = [];
    public string? NextCursor { get; init; }
}

/// <summary>A builder that recorded an event since the time asked, and when it last did.</summary>
public sealed record BuilderSeen
{
    public string Name { get; init; } = "";
    public DateTimeOffset LastSeen { get; init; }
}
