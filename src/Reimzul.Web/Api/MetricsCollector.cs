using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Reimzul.Telemetry;

namespace Reimzul.Web.Api;

/// <summary>
/// Listens to the <see cref="ReimzulMetrics"/> meter of this process and keeps the running totals Prometheus reads:
/// a sum per counter and label set, and for histograms the bucket counts, sum and count.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    /// <summary>Upper bounds in seconds: builds take seconds to hours, createrepo_c runs under a second to minutes.</summary>
    public static readonly double[] Buckets = [0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), long> counters = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), HistogramState> histograms = new();

    public MetricsCollector()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ReimzulMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            counters.AddOrUpdate((instrument.Name, Labels(tags)), value, (_, old) => old + value));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            histograms.GetOrAdd((instrument.Name, Labels(tags)), _ => new HistogramState()).Record(value));
        listener.Start();
    }

    public IReadOnlyList<(string Name, string Labels, long Value)> Counters() =>
        [.. counters.Select(c => (c.Key.Name, c.Key.Labels, c.Value)).OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Labels, StringComparer.Ordinal)];

    public IReadOnlyList<(string Name, string Labels, HistogramSnapshot Value)> Histograms() =>
        [.. histograms.Select(h => (h.Key.Name, h.Key.Labels, h.Value.Snapshot())).OrderBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.Labels, StringComparer.Ordinal)];

    public void Dispose() => listener.Dispose();

    // Labels in the text format, sorted by name so one label set is always one key: a="x",b="y".
    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<(string Key, string Value)>(tags.Length);
        foreach (var tag in tags)
        {
            pairs.Add((tag.Key, tag.Value?.ToString() ?? ""));
        }
        return string.Join(',', pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{PrometheusText.Escape(p.Value)}\""));
    }

    private sealed class HistogramState
    {
        private readonly long[] buckets = new long[Buckets.Length];
        private long count;
        private double sum;

        public void Record(double value)
        {
            lock (buckets)
            {
                for (var i = 0; i < Buckets.Length; i++)
                {
                    if (value <= Buckets[i])
                    {
                        buckets[i]++;
                    }
                }
                count++;
                sum += value;
            }
        }

        public HistogramSnapshot Snapshot()
        {
            lock (buckets)
            {
                return new HistogramSnapshot([.. buckets], count, sum);
            }
        }
    }
}

/// <summary>Cumulative bucket counts (one per <see cref="MetricsCollector.Buckets"/> bound), the count and the sum.</summary>
internal sealed record HistogramSnapshot(long[] Buckets, long Count, double Sum);
