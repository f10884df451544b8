using Reimzul.Validation;

namespace Reimzul.BuildRequests;

/// <summary>
/// Where a request came in: <c>MASTER/submit/ARCH/CN</c> (the CN the broker's ACL let publish there) or, from the
/// original's clients, <c>MASTER/submit/ARCH</c> (no proven identity).
/// </summary>
public sealed record RequestTopic(string Arch, string? CommonName)
{
    public static string SubscriptionFilter(string master) => $"{master.TrimEnd('/')}/submit/#";

    public static string ResultsTopic(string master) => $"{master.TrimEnd('/')}/builds/results";

    /// <summary>The topic's arch and CN; null with <paramref name="problem"/> when it is not one of the two layouts.</summary>
    public static RequestTopic? Parse(string master, string topic, out string problem)
    {
        var prefix = $"{master.TrimEnd('/')}/submit/";
        problem = "";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            problem = $"topic {Printable.Quote(topic)} is not under {prefix}";
            return null;
        }
        var parts = topic[prefix.Length..].Split('/');
        if (parts.Length is < 1 or > 2 || parts.Any(p => p.Length == 0))
        {
            problem = $"topic {Printable.Quote(topic)} is not {prefix}ARCH/CN";
            return null;
        }
        return new RequestTopic(parts[0], parts.Length == 2 ? parts[1] : null);
    }
}
