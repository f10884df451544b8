using System.Globalization;

namespace Reimzul.History;

/// <summary>The cursor of the stores that number their rows (SQLite, PostgreSQL): the id of the last row of a page.</summary>
public static class HistoryCursor
{
    /// <summary>The id a cursor stands for; null for no cursor.</summary>
    /// <exception cref="ArgumentException">Not a cursor of such a store.</exception>
    public static long? ParseId(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }
        if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
        {
            throw new ArgumentException("the cursor is not one this history made (take next_cursor of the page before)", nameof(cursor));
        }
        return id;
    }

    /// <summary>
    /// The page of <paramref name="records"/>, read with one more than <paramref name="limit"/> to learn whether
    /// another page follows; its cursor is the id of its last row.
    /// </summary>
    public static BuildPage Page(List<BuildRecord> records, List<long> ids, int limit)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(ids);
        if (records.Count <= limit)
        {
            return new BuildPage { Records = records };
        }
        records.RemoveRange(limit, records.Count - limit);
        return new BuildPage { Records = records, NextCursor = ids[limit - 1].ToString(CultureInfo.InvariantCulture) };
    }
}
