using System.Globalization;

namespace Reimzul.Tests.Support;

/// <summary>Reads a Prometheus text exposition as a scraper would: the samples of one metric, added up.</summary>
public static class PrometheusSamples
{
    /// <summary>The sum of <paramref name="metric"/>'s samples whose labels contain <paramref name="labelsContain"/> ("" for all).</summary>
    public static double Sum(string exposition, string metric, string labelsContain)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        double sum = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[metric.Length..];
            string labels;
            string value;
            if (rest.StartsWith('{'))
            {
                var close = rest.IndexOf('}', StringComparison.Ordinal);
                labels = rest[1..close];
                value = rest[(close + 1)..].Trim();
            }
            else if (rest.StartsWith(' '))
            {
                labels = "";
                value = rest.Trim();
            }
            else
            {
                // Another metric whose name starts with this one's.
                continue;
            }
            if (labels.Contains(labelsContain, StringComparison.Ordinal))
            {
                sum += double.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }
}
