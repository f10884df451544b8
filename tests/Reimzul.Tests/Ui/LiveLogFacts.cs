using Reimzul.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Reimzul.Tests.Ui;

/// <summary>The live log view follows build.log while the build writes it, and stops when the build ends.</summary>
[Collection(UiCollection.Name)]
public sealed class LiveLogFacts(UiFixture fixture)
{
    [BrowserFact]
    public async Task TheLogViewShowsLinesWhileTheBuildRunsAndStopsWhenItEnds()
    {
        const int ticks = 12;
        var id = await fixture.SubmitAsync(UiSpecs.Ticking("live-ticks", ticks), "c7.ui-live");
        var problems = new List<string>();

        // Opened at once: the build is queued or starting, and the view waits for its log.
        var page = await fixture.OpenAsync($"/builds/{id}/logs/x86_64/build.log", problems);
        var log = page.Locator("#log");

        await Expect(log).ToContainTextAsync($"tick 2 of {ticks}", new() { Timeout = 60_000 });
        var statuses = await fixture.ArchStatusesAsync(id);
        Assert.Equal("Building", statuses["x86_64"]);
        Assert.False(await log.TextContentAsync() is { } early && early.Contains($"tick {ticks} of {ticks}", StringComparison.Ordinal),
            "the whole log was there already: the view did not follow it while it was written");
        await Expect(page.Locator("#log-state")).ToContainTextAsync("Following build.log");
        await Chromium.ScreenshotAsync(page, "live-log-running");

        await page.Locator("#log[data-complete=true]").WaitForAsync(new() { Timeout = 90_000 });
        await Expect(log).ToContainTextAsync($"tick {ticks} of {ticks}");
        await Expect(page.Locator("#log-state")).ToContainTextAsync("Success");
        // The hostile line is in the log as text, and nothing of it ran.
        Assert.Contains(UiSpecs.HostileLine, await log.TextContentAsync(), StringComparison.Ordinal);
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, await log.Locator("*").CountAsync());
        await Chromium.ScreenshotAsync(page, "live-log-ended");

        // Nothing more is asked once the build ended.
        var requests = 0;
        page.Request += (_, request) => requests += request.Url.Contains("/logs/", StringComparison.Ordinal) ? 1 : 0;
        await page.WaitForTimeoutAsync(2_000);
        Assert.Equal(0, requests);
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task TheLogViewOfAFinishedBuildShowsTheWholeLogAndSaysHowItEnded()
    {
        var id = await fixture.SubmitAsync(SrpmFactory.CProgramSpec("log-done"), "c7.ui-log-done");
        await fixture.WaitForEndAsync(id, "x86_64");
        var problems = new List<string>();

        var page = await fixture.OpenAsync($"/builds/{id}", problems);
        await page.Locator("#build tr[data-arch='x86_64'] a.live-log").ClickAsync();

        await page.Locator("#log[data-complete=true]").WaitForAsync();
        await Expect(page.Locator("#log")).ToContainTextAsync("gcc -O2 -o hello hello.c");
        await Expect(page.Locator("#log-state")).ToContainTextAsync("Success");
        Assert.Empty(problems);
    }
}
