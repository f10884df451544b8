using System.Diagnostics.Metrics;

namespace Reimzul.Telemetry;

/// <summary>
/// The figures the roles count as they work, on one <see cref="Meter"/> (<see cref="MeterName"/>); whoever serves
/// <c>/metrics</c> in the same process listens to it. A plain .NET meter: no exporter library, nothing to trim.
/// </summary>
public static class ReimzulMetrics
{
    public const string MeterName = "Reimzul";

    public const string BuildsStarted = "reimzul_builds_started";
    public const string BuildsFinished = "reimzul_builds_finished";
    public const string BuildDuration = "reimzul_build_duration_seconds";
    public const string CreaterepoRuns = "reimzul_createrepo_runs";
    public const string CreaterepoDuration = "reimzul_createrepo_duration_seconds";
    public const string UploadBytes = "reimzul_upload_bytes";
    public const string UploadRetries = "reimzul_upload_retries";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Started = Meter.CreateCounter<long>(BuildsStarted, description: "Builds a worker of this process started (Building announced)");
    private static readonly Counter<long> Finished = Meter.CreateCounter<long>(BuildsFinished, description: "Builds a worker of this process finished, by status");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(BuildDuration, "s", "How long the build step took");
    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(CreaterepoRuns, description: "createrepo_c runs of this process, by target and result");
    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(CreaterepoDuration, "s", "How long a createrepo_c run took");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>(UploadBytes, "By", "Result bytes sent to bstore over HTTP(S)");
    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(UploadRetries, description: "Uploads to bstore tried again after a failure");

    /// <summary>A build event a worker announced: Building counts a start, a result a finish (with its duration).</summary>
    public static void BuildAnnounced(string status, string arch, string target, double? durationSeconds)
    {
        var where = new KeyValuePair<string, object?>[] { new("arch", arch), new("target", target) };
        if (status == "Building")
        {
            Started.Add(1, where);
            return;
        }
        Finished.Add(1, [new("status", status), .. where]);
        if (durationSeconds is { } seconds)
        {
            Duration.Record(seconds, where);
        }
    }

    public static void CreaterepoRan(string target, bool succeeded, TimeSpan duration)
    {
        Runs.Add(1, new KeyValuePair<string, object?>("target", target), new KeyValuePair<string, object?>("result", succeeded ? "success" : "failure"));
        RunDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("target", target));
    }

    public static void Uploaded(long bytes) => Bytes.Add(bytes);

    public static void UploadRetried() => Retries.Add(1);
}
