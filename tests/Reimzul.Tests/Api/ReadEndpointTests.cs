using System.Text.Json;
using Reimzul.Messages;
using static Reimzul.Tests.History.BuildEvents;

namespace Reimzul.Tests.Api;

/// <summary>The read endpoints of <c>/api/v1</c> through real HTTP, on a real SQLite history and embedded queue.</summary>
public sealed class ReadEndpointTests : IAsyncLifetime
{
    private const string Target = "c7.1708.u.x86_64";

    private ApiSite site = null!;

    public async Task InitializeAsync() => site = await ApiSite.StartAsync();

    public async Task DisposeAsync() => await site.DisposeAsync();

    private static string[] Strings(JsonElement array, string field) =>
        [.. array.EnumerateArray().Select(e => e.GetProperty(field).ValueKind == JsonValueKind.Null ? "null" : e.GetProperty(field).ToString())];

    [Fact]
    public async Task BuildsListsEachBuildAndArchNewestFirstWithEveryFieldOfTheContract()
    {
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2", submitter: "bob"));

        var (status, json, body, type) = await site.GetAsync("/api/v1/builds");

        Assert.Equal(200, status);
        Assert.Equal("application/json", type);
        var builds = json!.Value.GetProperty("builds");
        Assert.Equal(["build-2", "build-1"], Strings(builds, "build_id"));
        Assert.Equal(["Building", "Success"], Strings(builds, "status"));
        var row = builds[1];
        foreach (var field in new[] { "build_id", "srpm", "pkgname", "evr", "target", "arch", "status", "timestamp", "submitter", "builder", "recorded_at", "log_url" })
        {
            Assert.True(row.TryGetProperty(field, out _), $"no {field} in {body}");
        }
        Assert.Equal("hello", row.GetProperty("pkgname").GetString());
        Assert.Equal("builder1.example.org", row.GetProperty("builder").GetString());
        Assert.Equal($"{ApiSite.BaseUrl}{Target}/hello/20261125100000/1.0-1.el7.x86_64/build.log", row.GetProperty("log_url").GetString());
        Assert.Equal(JsonValueKind.Null, builds[0].GetProperty("log_url").ValueKind);
        Assert.EndsWith("Z", row.GetProperty("recorded_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, json.Value.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task NextCursorLeadsThroughEveryPageAndTheLastHasNone()
    {
        for (var i = 1; i <= 5; i++)
        {
            await site.RecordAsync(Event(BuildStatus.Building, $"2026112510000{i}", buildId: $"build-{i}"));
        }
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (status, json, body, _) = await site.GetAsync("/api/v1/builds?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.Equal(200, status);
            seen.AddRange(Strings(json!.Value.GetProperty("builds"), "build_id"));
            cursor = json.Value.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(["build-5", "build-4", "build-3", "build-2", "build-1"], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task FiltersNarrowTheList()
    {
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Failed, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125110000", arch: "i386", target: "c7.1708.u.i386", buildId: "build-2", submitter: "bob"));

        async Task<string[]> Ids(string query) => Strings((await site.GetAsync("/api/v1/builds?" + query)).Json!.Value.GetProperty("builds"), "build_id");

        Assert.Equal(["build-1"], await Ids("status=Failed"));
        Assert.Equal(["build-2"], await Ids("target=c7.1708.u.i386"));
        Assert.Equal(["build-2"], await Ids("arch=i386&submitter=bob"));
        Assert.Equal(["build-2", "build-1"], await Ids("package=hello&since=2020-01-01T00:00:00Z"));
        Assert.Empty(await Ids("until=2020-01-01T00:00:00Z"));
        Assert.Empty(await Ids("status=Queued"));
        Assert.Empty(await Ids("status=Canceled"));
    }

    [Theory]
    [InlineData("/api/v1/builds?status=Exploded", "Queued, Building, Success, Failed, Canceled, Override")]
    [InlineData("/api/v1/builds?limit=0", "limit")]
    [InlineData("/api/v1/builds?limit=-1", "limit")]
    [InlineData("/api/v1/builds?limit=201", "limit")]
    [InlineData("/api/v1/builds?limit=99999999999999999999", "limit")]
    [InlineData("/api/v1/builds?limit=ten", "limit")]
    [InlineData("/api/v1/builds?cursor=not-a-cursor!", "cursor")]
    [InlineData("/api/v1/builds?cursor=Li4vLi4vZXRjL3Bhc3N3ZA", "cursor")]
    [InlineData("/api/v1/builds?cursor=LTU", "cursor")]
    [InlineData("/api/v1/builds?target=../../etc", "target")]
    [InlineData("/api/v1/builds?target=%3Cscript%3Ealert(1)%3C/script%3E", "target")]
    [InlineData("/api/v1/builds?package=..", "package")]
    [InlineData("/api/v1/builds?arch=sparc", "arch")]
    [InlineData("/api/v1/builds?since=yesterday", "since")]
    [InlineData("/api/v1/builds?submitter=a%0Ab", "submitter")]
    [InlineData("/api/v1/builds?status=Success&status=Failed", "status")]
    [InlineData("/api/v1/builds/..%2F..%2Fetc", "build id")]
    [InlineData("/api/v1/builds/%3Cscript%3E", "build id")]
    [InlineData("/api/v1/packages/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "package")]
    [InlineData("/api/v1/packages/hello?limit=1000", "limit")]
    [InlineData("/api/v1/buried?tube=-bad", "tube")]
    public async Task HostileOrWrongInputGetsA400ThatNamesWhatIsWrong(string path, string named)
    {
        var (status, json, body, type) = await site.GetAsync(path);

        Assert.Equal(400, status);
        Assert.Equal("application/json", type);
        Assert.Contains(named, json!.Value.GetProperty("error").GetString(), StringComparison.Ordinal);
        // JSON escapes markup: a script tag in the input never comes back as markup.
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OneBuildShowsEveryArchWithItsTimesResultAndLogs()
    {
        var dir = Path.Combine(site.Paths.Repo, Target, "hello", "20261125100000", "1.0-1.el7.x86_64");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "hello-1.0-1.el7.x86_64.rpm"), "rpm");
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1") with { DurationSeconds = 42.5 });
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", arch: "i386", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-2"));

        var (status, json, body, _) = await site.GetAsync("/api/v1/builds/build-1");

        Assert.Equal(200, status);
        var build = json!.Value;
        Assert.Equal("build-1", build.GetProperty("build_id").GetString());
        Assert.Equal("hello-1.0-1.el7.src.rpm", build.GetProperty("srpm").GetString());
        Assert.Equal("alice", build.GetProperty("submitter").GetString());
        Assert.False(build.GetProperty("scratch").GetBoolean());
        var arches = build.GetProperty("arches");
        Assert.Equal(["x86_64", "i386"], Strings(arches, "arch"));
        Assert.Equal(["Success", "Building"], Strings(arches, "status"));
        var done = arches[0];
        Assert.Equal(42.5, done.GetProperty("duration_s").GetDouble());
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("started_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("finished_at").ValueKind);
        Assert.Equal("builder1.example.org", done.GetProperty("builder").GetString());
        var url = $"{ApiSite.BaseUrl}{Target}/hello/20261125100000/1.0-1.el7.x86_64/";
        Assert.Equal(url + "build.log", done.GetProperty("log_url").GetString());
        Assert.Equal(url + "root.log", done.GetProperty("root_log_url").GetString());
        Assert.Equal([url + "hello-1.0-1.el7.x86_64.rpm"], done.GetProperty("rpms").EnumerateArray().Select(e => e.GetString()));
        var running = arches[1];
        Assert.Equal(JsonValueKind.Null, running.GetProperty("finished_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, running.GetProperty("log_url").ValueKind);
        Assert.Empty(running.GetProperty("rpms").EnumerateArray());
    }

    [Fact]
    public async Task AnUnknownBuildIsA404()
    {
        var (status, json, _, _) = await site.GetAsync("/api/v1/builds/no-such-build");

        Assert.Equal(404, status);
        Assert.Contains("no-such-build", json!.Value.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APackagePageListsThatPackageOnlyAndFiltersByTarget()
    {
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125110000", target: "c8.u.x86_64", buildId: "build-2"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125120000", srpm: "other-1-1.src.rpm", buildId: "build-3") with { PkgName = "other" });

        var all = await site.GetAsync("/api/v1/packages/hello");
        var one = await site.GetAsync("/api/v1/packages/hello?target=c8.u.x86_64");

        Assert.Equal("hello", all.Json!.Value.GetProperty("package").GetString());
        Assert.Equal(["build-2", "build-1"], Strings(all.Json.Value.GetProperty("builds"), "build_id"));
        Assert.Equal(["build-2"], Strings(one.Json!.Value.GetProperty("builds"), "build_id"));
        Assert.Empty((await site.GetAsync("/api/v1/packages/nothing")).Json!.Value.GetProperty("builds").EnumerateArray());
    }

    [Fact]
    public async Task QueuesShowsTheFiguresOfEveryStandardTube()
    {
        await using (var producer = await site.Queues.OpenProducerAsync())
        {
            await producer.PutAsync("x86_64", """{"srpm":"a.src.rpm"}""", 8192, TimeSpan.Zero, TimeSpan.FromMinutes(2));
            await producer.PutAsync("x86_64", """{"srpm":"b.src.rpm"}""", 8192, TimeSpan.FromHours(1), TimeSpan.FromMinutes(2));
        }

        var (status, json, _, _) = await site.GetAsync("/api/v1/queues");

        Assert.Equal(200, status);
        var tubes = json!.Value.GetProperty("tubes").EnumerateArray().ToDictionary(t => t.GetProperty("tube").GetString()!);
        Assert.Equal(1, tubes["x86_64"].GetProperty("ready").GetInt64());
        Assert.Equal(1, tubes["x86_64"].GetProperty("delayed").GetInt64());
        Assert.Equal(0, tubes["x86_64"].GetProperty("reserved").GetInt64());
        Assert.Equal(0, tubes["x86_64"].GetProperty("buried").GetInt64());
        Assert.Contains("notify", tubes.Keys);
        Assert.Contains("createrepo", tubes.Keys);
    }

    [Fact]
    public async Task BuriedListsTheJobsSetAsideWithTheirReason()
    {
        await using (var producer = await site.Queues.OpenProducerAsync())
        {
            await producer.PutAsync("x86_64", "<script>not json</script>", 8192, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        }
        await using (var consumer = await site.Queues.OpenConsumerAsync())
        {
            var job = await consumer.ReserveAsync(["x86_64"], TimeSpan.FromSeconds(5));
            Assert.True(await job!.BuryAsync("the body is not JSON"));
        }

        var (status, json, body, _) = await site.GetAsync("/api/v1/buried?tube=x86_64");
        var all = await site.GetAsync("/api/v1/buried");

        Assert.Equal(200, status);
        var job0 = Assert.Single(json!.Value.GetProperty("jobs").EnumerateArray());
        Assert.Equal("x86_64", job0.GetProperty("tube").GetString());
        Assert.Equal("the body is not JSON", job0.GetProperty("reason").GetString());
        Assert.Equal("<script>not json</script>", job0.GetProperty("body").GetString());
        Assert.DoesNotContain("<script>", body, StringComparison.Ordinal);
        Assert.Single(all.Json!.Value.GetProperty("jobs").EnumerateArray());
    }

    [Fact]
    public async Task BuildersShowsWhoWasSeenLatelyAndWhatEachBuildsNow()
    {
        await site.RecordAsync(Event(BuildStatus.Building, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Success, "20261125100000", buildId: "build-1"));
        await site.RecordAsync(Event(BuildStatus.Building, "20261125110000", buildId: "build-2") with { BuilderFqdn = "builder2.example.org" });

        var (status, json, _, _) = await site.GetAsync("/api/v1/builders");

        Assert.Equal(200, status);
        var builders = json!.Value.GetProperty("builders").EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!);
        Assert.Equal(["builder1.example.org", "builder2.example.org"], builders.Keys);
        Assert.Equal(JsonValueKind.Null, builders["builder1.example.org"].GetProperty("current").ValueKind);
        var current = builders["builder2.example.org"].GetProperty("current");
        Assert.Equal("build-2", current.GetProperty("build_id").GetString());
        Assert.Equal("x86_64", current.GetProperty("arch").GetString());
        Assert.Equal("hello-1.0-1.el7.src.rpm", current.GetProperty("srpm").GetString());
        Assert.NotEqual(JsonValueKind.Null, current.GetProperty("since").ValueKind);
    }

    [Fact]
    public async Task AnUnknownPathIsAJson404()
    {
        var (status, json, _, _) = await site.GetAsync("/api/v1/nothing/here");

        Assert.Equal(404, status);
        Assert.True(json!.Value.TryGetProperty("error", out _));
    }
}

/// <summary>Reading when <c>[web] read_tokens</c> is set.</summary>
public sealed class ReadTokenTests : IAsyncLifetime
{
    private ApiSite site = null!;

    public async Task InitializeAsync() => site = await ApiSite.StartAsync(readTokens: true);

    public async Task DisposeAsync() => await site.DisposeAsync();

    [Fact]
    public async Task WithReadTokensAReaderNeedsOneAndAWrongOneIsRefused()
    {
        Assert.Equal(401, (await site.GetAsync("/api/v1/builds")).Status);
        Assert.Equal(401, (await site.GetAsync("/api/v1/builds", token: "wrong-token-0123456789")).Status);
        Assert.Equal(200, (await site.GetAsync("/api/v1/builds", token: ApiSite.ReaderToken)).Status);
    }
}
