using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Status;
using Reimzul.Validation;

namespace Reimzul.Web.Api;

/// <summary>
/// The query string and path values of the read endpoints, checked before anything reads the history: a value that
/// breaks a rule is refused with a 400 that names it and why (quoted, so a hostile value stays text).
/// </summary>
internal static class ApiQuery
{
    private const int MaxFreeTextLength = 255;

    /// <summary>The filters of <c>GET /api/v1/builds</c> (and the <c>target</c>, <c>limit</c>, <c>cursor</c> of a package page).</summary>
    public static BuildQuery Builds(IQueryCollection query, string? pkgName = null)
    {
        foreach (var key in query.Keys)
        {
            if (query[key].Count > 1)
            {
                throw new ApiRefusal($"{Printable.Quote(key)} is given {query[key].Count} times; give it once");
            }
        }
        var status = Value(query, "status");
        if (status is not null && !BuildStates.Filterable.Contains(status, StringComparer.Ordinal))
        {
            throw new ApiRefusal($"status {Printable.Quote(status)} is not one of {string.Join(", ", BuildStates.Filterable)}");
        }
        var target = Value(query, "target");
        if (target is not null && !InputRules.TryValidateTarget(target, out var targetError))
        {
            throw new ApiRefusal(targetError);
        }
        var arch = Value(query, "arch");
        if (arch is not null && !Arches.TryValidate(arch, out var archError))
        {
            throw new ApiRefusal(archError);
        }
        var package = pkgName ?? Value(query, "package");
        if (package is not null)
        {
            Package(package);
        }
        var submitter = Value(query, "submitter");
        if (submitter is not null && (submitter.Length > MaxFreeTextLength || submitter.Any(char.IsControl)))
        {
            throw new ApiRefusal($"submitter {Printable.Quote(submitter)} is longer than {MaxFreeTextLength} characters or holds control characters");
        }
        var since = Time(query, "since");
        var until = Time(query, "until");
        if (since is not null && until is not null && until < since)
        {
            throw new ApiRefusal("until is before since");
        }
        return new BuildQuery
        {
            Status = status,
            Target = target,
            Arch = arch,
            PkgName = package,
            Submitter = submitter,
            Since = since,
            Until = until,
            Limit = Limit(query),
            Cursor = Cursor(Value(query, "cursor")),
        };
    }

    public static string Package(string pkgName) =>
        InputRules.TryValidatePathComponent("package", pkgName, out var error) ? pkgName : throw new ApiRefusal(error);

    public static string BuildId(string buildId) =>
        InputRules.TryValidatePathComponent("build id", buildId, out var error) ? buildId : throw new ApiRefusal(error);

    public static string? Tube(IQueryCollection query)
    {
        var tube = Value(query, "tube");
        return tube is null || Reimzul.Queue.TubeNames.TryValidate(tube, out var error) ? tube : throw new ApiRefusal(error);
    }

    /// <summary>The store's cursor as the API shows it: opaque (base64url), so clients pass it back unchanged.</summary>
    public static string? Opaque(string? storeCursor) =>
        storeCursor is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(storeCursor));

    private static string? Cursor(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }
        if (cursor.Length > 200 || !Base64Url.IsValid(cursor))
        {
            throw new ApiRefusal("the cursor is not one this API made (pass next_cursor of the page before, unchanged)");
        }
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw new ApiRefusal("the cursor is not one this API made (pass next_cursor of the page before, unchanged)");
        }
    }

    private static int Limit(IQueryCollection query)
    {
        var text = Value(query, "limit");
        if (text is null)
        {
            return BuildQuery.DefaultLimit;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= BuildQuery.MaxLimit
            ? limit
            : throw new ApiRefusal($"limit {Printable.Quote(text)} is not a whole number from 1 to {BuildQuery.MaxLimit}");
    }

    private static DateTimeOffset? Time(IQueryCollection query, string key)
    {
        var text = Value(query, key);
        if (text is null)
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            && text.Length <= 40
            ? time
            : throw new ApiRefusal($"{key} {Printable.Quote(text)} is not an ISO 8601 time such as 2026-12-01T15:04:05Z");
    }

    // An empty value is no filter, as a form left blank means.
    private static string? Value(IQueryCollection query, string key) => query.TryGetValue(key, out var values) && values.Count == 1 && values[0] is { Length: > 0 } value ? value : null;
}

/// <summary>A request the API refuses, with the 4xx and the reason it answers.</summary>
internal sealed class ApiRefusal(string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    public int Status => status;
}
