using Microsoft.Playwright;
using Reimzul.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Reimzul.Tests.Ui;

/// <summary>
/// Each page of the web UI in a real chromium against a real <c>reimzul up</c>, after real builds: what an operator
/// reads on it, where its links lead, and that hostile names and paths show as text.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class PagesFacts(UiFixture fixture)
{
    private static readonly LocatorAssertionsToHaveCountOptions Long = new() { Timeout = 30_000 };

    [BrowserFact]
    public async Task TheDashboardShowsTheQueuesTheBuildersAndTheRecentBuildsWithTheirStatus()
    {
        var id = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("dash-hello"), "c7.ui-dash");
        await fixture.WaitForEndAsync(id, "x86_64");
        var problems = new List<string>();

        var page = await fixture.OpenAsync("/", problems);

        var row = page.Locator($"#recent tr[data-build-id='{id}']");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator(".status")).ToHaveTextAsync("Success");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "dash-hello" })).ToHaveAttributeAsync("href", "/packages/dash-hello");
        // The tubes the builder watches, with figures, and the builder that built it.
        await Expect(page.Locator("#queues tr[data-tube='x86_64'] td.num")).ToHaveCountAsync(5);
        await Expect(page.Locator("#builders tr[data-builder]")).Not.ToHaveCountAsync(0);
        await Chromium.ScreenshotAsync(page, "dashboard");

        await row.GetByRole(AriaRole.Link, new() { Name = "details" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(fixture.Web, $"/builds/{id}").AbsoluteUri);
        await Expect(page.Locator("#build-id")).ToHaveTextAsync(id);
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task TheBuildsListFiltersByTargetStatusAndTimeAndPagesOlderByTheCursor()
    {
        const string target = "c7.ui-list";
        var first = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("list-one"), target);
        var broken = await fixture.SubmitAsync(SrpmFactory.FailingSpec("list-broken"), target);
        var third = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("list-three"), target);
        foreach (var id in new[] { first, broken, third })
        {
            await fixture.WaitForEndAsync(id, "x86_64");
        }
        var problems = new List<string>();
        var page = await fixture.OpenAsync("/builds", problems);

        // The form, as an operator fills it in.
        await page.FillAsync("#filter-target", target + ".x86_64");
        await page.SelectOptionAsync("#filter-status", "Failed");
        await page.ClickAsync("#filter-apply");
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        Assert.Contains("status=Failed", page.Url, StringComparison.Ordinal);
        var rows = page.Locator("#results tbody tr[data-build-id]");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-build-id", broken);
        await Expect(page.Locator("#filter-status")).ToHaveValueAsync("Failed");
        await Chromium.ScreenshotAsync(page, "builds-filtered");

        // One build per page, newest first, then older by the cursor.
        await page.GotoAsync(new Uri(fixture.Web, $"/builds?target={target}.x86_64&limit=1").AbsoluteUri);
        var seen = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await page.Locator("#page[data-ready=true]").WaitForAsync();
            await Expect(rows).ToHaveCountAsync(1);
            seen.Add((await rows.First.GetAttributeAsync("data-build-id"))!);
            if (i < 2)
            {
                await page.ClickAsync("#page-next");
            }
        }
        Assert.Equal([third, broken, first], seen);
        await Expect(page.Locator("#page-first")).ToBeVisibleAsync();

        // A time range after every build holds none of them.
        await page.GotoAsync(new Uri(fixture.Web, $"/builds?target={target}.x86_64&since=2099-01-01T00:00:00Z").AbsoluteUri);
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(page.Locator("#results")).ToContainTextAsync("No builds match.");
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task TheBuildPageShowsEachArchWithItsStatusDurationAndWorkingLinksToRpmsAndLogs()
    {
        var id = await fixture.SubmitAsync(SrpmFactory.CProgramSpec("page-c"), "c7.ui-build");
        await fixture.WaitForEndAsync(id, "x86_64", "i386");
        var problems = new List<string>();

        var page = await fixture.OpenAsync($"/builds/{id}", problems);

        foreach (var arch in new[] { "x86_64", "i386" })
        {
            var row = page.Locator($"#build tr[data-arch='{arch}']");
            await Expect(row.Locator(".status")).ToHaveTextAsync("Success");
            await Expect(row.Locator("td.num")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+s$|^\d+m \d\ds$"));
            var rpms = await row.Locator("ul.files a").EvaluateAllAsync<string[]>("links => links.map(a => a.href)");
            Assert.Equal(2, rpms.Length);
            // Each link is where bstore serves that file ([bstore] base_url is its repo dir): the file is there.
            foreach (var url in rpms.Append(await row.GetByRole(AriaRole.Link, new() { Name = "build.log", Exact = true }).GetAttributeAsync("href")))
            {
                var path = Uri.UnescapeDataString(new Uri(url!).AbsolutePath);
                Assert.StartsWith("/bstore/repo/c7.ui-build.x86_64/page-c/", path, StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(fixture.Install.DataDir, path.TrimStart('/'))), $"{url} names no file of the repo");
            }
        }
        await Expect(page.Locator("#build h1")).ToHaveTextAsync("page-c 2.0-1");
        await Expect(page.Locator("#build tr[data-arch='x86_64'] a.live-log")).ToHaveAttributeAsync("href", $"/builds/{id}/logs/x86_64/build.log");
        await Chromium.ScreenshotAsync(page, "build");
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task ThePackagePageShowsItsHistoryAcrossTargetsWithTheirBadges()
    {
        var one = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("pkg-history"), "c7.ui-pkg-a");
        var two = await fixture.SubmitAsync(SrpmFactory.NoarchSpec("pkg-history", version: "1.1"), "c7.ui-pkg-b");
        await fixture.WaitForEndAsync(one, "x86_64");
        await fixture.WaitForEndAsync(two, "x86_64");
        var problems = new List<string>();

        var page = await fixture.OpenAsync("/packages/pkg-history", problems);

        var rows = page.Locator("#results tbody tr[data-build-id]");
        await Expect(rows).ToHaveCountAsync(2);
        Assert.Equal([two, one], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.buildId)"));
        var badges = page.Locator("#badges img");
        await Expect(badges).ToHaveCountAsync(2);
        // Each badge is a real SVG the browser could draw.
        Assert.All(await badges.EvaluateAllAsync<int[]>("images => images.map(i => i.naturalWidth)"), width => Assert.True(width > 0));
        await Chromium.ScreenshotAsync(page, "package");

        await page.FillAsync("#package-target", "c7.ui-pkg-a.x86_64");
        await page.ClickAsync("#package-filter button[type=submit]");
        // The URL, polled: no wait for a load event the navigation may have fired already.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/packages/pkg-history\?target=c7\.ui-pkg-a\.x86_64$"),
            new() { Timeout = 30_000 });
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-build-id", one);
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task HostileNamesInPathsAndFiltersShowAsTextAndBadFiltersShowTheApisReason()
    {
        const string hostile = UiSpecs.HostileLine;
        var problems = new List<string>();

        var page = await fixture.OpenAsync("/packages/" + Uri.EscapeDataString(hostile), problems);
        await Expect(page.Locator("#package-name")).ToHaveTextAsync(hostile);
        await Expect(page.Locator("#results tbody tr[data-build-id]")).ToHaveCountAsync(0);
        await Chromium.ScreenshotAsync(page, "hostile-package");

        await page.GotoAsync(new Uri(fixture.Web, "/builds/" + Uri.EscapeDataString("../../etc/passwd")).AbsoluteUri);
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(page.Locator("#build .error")).ToBeVisibleAsync();

        await page.GotoAsync(new Uri(fixture.Web, "/builds?package=" + Uri.EscapeDataString(hostile) + "&submitter=" + Uri.EscapeDataString(hostile)).AbsoluteUri);
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(page.Locator("#filter-package")).ToHaveValueAsync(hostile);

        // Refusals of the API reach the operator with its reason.
        await page.GotoAsync(new Uri(fixture.Web, "/builds?status=Bogus").AbsoluteUri);
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(page.Locator("#results .error")).ToContainTextAsync("Success");
        await page.GotoAsync(new Uri(fixture.Web, "/builds?limit=100000").AbsoluteUri);
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(page.Locator("#results .error")).ToBeVisibleAsync();

        Assert.Null(await page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, await page.Locator("#page script, #page img[src='x']").CountAsync());
        Assert.Empty(problems);
    }
}
