using System.Xml.Linq;
using Reimzul.Messages;
using Reimzul.Telemetry;
using static Reimzul.Tests.History.BuildEvents;

namespace Reimzul.Tests.Api;

/// <summary>The SVG badge, the Atom feed and <c>/metrics</c> of the web role, through real HTTP.</summary>
public sealed class FeedBadgeMetricsTests : IAsyncLifetime
{
    private const string Target = "c7.1708.u.x86_64";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private ApiSite site = null!;

    public async Task InitializeAsync() => site = await ApiSite.StartAsync();

    public async Task DisposeAsync() => await site.DisposeAsync();

    [Fact]
    public async Task TheBadgeShowsTheNewestBuildOfThePackageInTheTargetAndTheWorstOfItsArches()
    {
        await site.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        var first = await site.GetAsync($"/badge/{Target}/hello.svg");
        await site.RecordAsync(Event(BuildStatus.Success, "20261125110000", buildId: "build-2"));
        await site.RecordAsync(Event(BuildStatus.Failed, "20261125110000", arch: "i386", buildId: "build-2"));
        var second = await site.GetAsync($"/badge/{Target}/hello.svg");

        Assert.Equal(200, first.Status);
        Assert.Equal("image/svg+xml", first.ContentType);
        var svg = XDocument.Parse(first.Body);
        Assert.Equal("hello: Success", svg.Root!.Attribute("aria-label")!.Value);
        Assert.Equal("hello: Failed", XDocument.Parse(second.Body).Root!.Attribute("aria-label")!.Value);
    }

    [Fact]
    public async Task ABadgeOfAPackageNeverBuiltSaysSoAndAHostileNameIsRefused()
    {
        var none = await site.GetAsync($"/badge/{Target}/nothing.svg");
        var hostile = await site.GetAsync($"/badge/{Target}/%3Cscript%3E.svg");
        var climbing = await site.GetAsync("/badge/..%2F..%2Fetc/hello.svg");

        Assert.Equal(404, none.Status);
        Assert.Equal("nothing: no builds", XDocument.Parse(none.Body).Root!.Attribute("aria-label")!.Value);
        Assert.Equal(400, hostile.Status);
        Assert.DoesNotContain("<script>", hostile.Body, StringComparison.Ordinal);
        Assert.Equal(400, climbing.Status);
    }

    [Fact]
    public async Task TheFeedIsValidAtomWithOneEntryPerBuildAndArchAndMarkupInNamesStaysText()
    {
        await site.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125110000", srpm: "<b>x</b>-1-1.src.rpm", buildId: "build-2")
            with { PkgName = "<script>alert(1)</script>", Submitter = "eve\u0001" });

        var (status, _, body, type) = await site.GetAsync("/feed.atom");

        Assert.Equal(200, status);
        Assert.Equal("application/atom+xml", type);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", body, StringComparison.Ordinal);
        var feed = XDocument.Parse(body).Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        var entries = feed.Elements(Atom + "entry").ToList();
        Assert.Equal(2, entries.Count);
        Assert.StartsWith("<script>alert(1)</script>-1.0-1.el7 x86_64 Building", entries[0].Element(Atom + "title")!.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", body, StringComparison.Ordinal);
        Assert.Equal("eve\uFFFD", entries[0].Element(Atom + "author")!.Element(Atom + "name")!.Value);
        Assert.EndsWith("/api/v1/builds/build-1", entries[1].Elements(Atom + "link").Single(l => l.Attribute("rel")!.Value == "alternate").Attribute("href")!.Value, StringComparison.Ordinal);
        Assert.Single((await site.GetAsync("/feed.atom?status=Success")).Body.Split("<entry>").Skip(1));
    }

    [Fact]
    public async Task MetricsShowQueueDepthPerTubeAndStateAndWhatTheRolesCounted()
    {
        await using (var producer = await site.Queues.OpenProducerAsync())
        {
            await producer.PutAsync("x86_64", """{"srpm":"a.src.rpm"}""", 8192, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        }
        // As a worker of this process announces them (the meter is process-wide: other tests may add to it).
        var target = $"metrics-{Guid.NewGuid():N}";
        ReimzulMetrics.BuildAnnounced(BuildStatus.Building, "x86_64", target, null);
        ReimzulMetrics.BuildAnnounced(BuildStatus.Success, "x86_64", target, 42);
        ReimzulMetrics.CreaterepoRan(target, succeeded: true, TimeSpan.FromSeconds(0.3));

        var (status, _, body, type) = await site.GetAsync("/metrics");

        Assert.Equal(200, status);
        Assert.Equal("text/plain", type);
        var lines = body.Split('\n');
        Assert.Contains("reimzul_queue_jobs{tube=\"x86_64\",state=\"ready\"} 1", lines);
        Assert.Contains("reimzul_queue_jobs{tube=\"notify\",state=\"buried\"} 0", lines);
        Assert.Contains($"reimzul_builds_started_total{{arch=\"x86_64\",target=\"{target}\"}} 1", lines);
        Assert.Contains($"reimzul_builds_finished_total{{arch=\"x86_64\",status=\"Success\",target=\"{target}\"}} 1", lines);
        Assert.Contains($"reimzul_build_duration_seconds_bucket{{arch=\"x86_64\",target=\"{target}\",le=\"30\"}} 0", lines);
        Assert.Contains($"reimzul_build_duration_seconds_bucket{{arch=\"x86_64\",target=\"{target}\",le=\"60\"}} 1", lines);
        Assert.Contains($"reimzul_build_duration_seconds_sum{{arch=\"x86_64\",target=\"{target}\"}} 42", lines);
        Assert.Contains($"reimzul_createrepo_runs_total{{result=\"success\",target=\"{target}\"}} 1", lines);
        Assert.Contains($"reimzul_createrepo_duration_seconds_count{{target=\"{target}\"}} 1", lines);
        Assert.Contains("# TYPE reimzul_upload_bytes_total counter", lines);
        Assert.Contains("# TYPE reimzul_upload_retries_total counter", lines);
        Assert.Contains("# TYPE reimzul_notifier_outbox_pending gauge", lines);
    }
}
