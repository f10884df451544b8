using Microsoft.Playwright;
using Reimzul.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Reimzul.Tests.Ui;

/// <summary>
/// The cancel and resubmit buttons of the build page, used as a writer would: the token entered once in the page,
/// kept for the tab, sent as <c>Authorization: Bearer</c>.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class WriterActionsFacts(UiFixture fixture)
{
    private static readonly LocatorAssertionsToHaveTextOptions UntilTheBuildEnds = new() { Timeout = 60_000 };

    [BrowserFact]
    public async Task CancelingARunningBuildFromItsPageEndsItCanceled()
    {
        var id = await fixture.SubmitAsync(SrpmFactory.SleepingSpec("ui-sleeper", 120), "c7.ui-cancel");
        await Eventually.WaitAsync(async () => (await fixture.ArchStatusesAsync(id)).GetValueOrDefault("x86_64") == "Building",
            TimeSpan.FromSeconds(60), () => $"build {id} never started\n{fixture.Up.Describe()}");
        var problems = new List<string>();
        var page = await fixture.OpenAsync($"/builds/{id}", problems);
        var status = page.Locator("#build tr[data-arch='x86_64'] .status");
        await Expect(status).ToHaveTextAsync("Building");

        await EnterTokenAsync(page);
        await page.ClickAsync("#cancel");
        await Expect(page.Locator("#action-outcome")).ToContainTextAsync("Cancel requested for x86_64");

        // The page follows the build until it ends; the worker stops it within seconds, not after its 120 s.
        await Expect(status).ToHaveTextAsync("Canceled", UntilTheBuildEnds);
        Assert.Equal("Canceled", (await fixture.ArchStatusesAsync(id))["x86_64"]);
        await Expect(page.Locator("#cancel")).ToBeDisabledAsync();
        await Chromium.ScreenshotAsync(page, "canceled");
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task ResubmittingOnlyTheFailedArchBuildsThatArchAloneAgain()
    {
        var id = await fixture.SubmitAsync(UiSpecs.FailsOnI386("ui-halfbroken"), "c7.ui-resubmit");
        var ended = await fixture.WaitForEndAsync(id, "x86_64", "i386");
        Assert.Equal("Success", ended["x86_64"]);
        Assert.Equal("Failed", ended["i386"]);
        var problems = new List<string>();
        var page = await fixture.OpenAsync($"/builds/{id}", problems);
        await Expect(page.Locator("#cancel")).ToBeDisabledAsync();

        await EnterTokenAsync(page);
        await page.ClickAsync("#resubmit-failed");
        var link = page.Locator("#resubmitted");
        await Expect(page.Locator("#action-outcome")).ToContainTextAsync("Resubmitted i386 as");
        var newId = await link.TextContentAsync();
        Assert.NotEqual(id, newId);
        await Chromium.ScreenshotAsync(page, "resubmitted");

        await link.ClickAsync();
        await page.Locator("#page[data-ready=true]").WaitForAsync();
        await Expect(page.Locator("#build-id")).ToHaveTextAsync(newId!);
        await Expect(page.Locator("#build tr[data-arch]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#build tr[data-arch='i386'] .status")).ToHaveTextAsync("Failed", UntilTheBuildEnds);
        Assert.Equal(["i386"], (await fixture.WaitForEndAsync(newId!, "i386")).Keys);
        Assert.Empty(problems);
    }

    [BrowserFact]
    public async Task AnActionWithoutATokenIsRefusedWithTheReasonAndTheTokenIsAskedFor()
    {
        var id = await fixture.SubmitAsync(SrpmFactory.FailingSpec("ui-notoken"), "c7.ui-notoken");
        await fixture.WaitForEndAsync(id, "x86_64");
        var problems = new List<string>();
        var page = await fixture.OpenAsync($"/builds/{id}", problems);

        await page.ClickAsync("#resubmit-failed");

        await Expect(page.Locator("#action-outcome .error")).ToContainTextAsync("Enter a writer's token");
        await Expect(page.Locator("#writer-token")).ToBeVisibleAsync();
        await Expect(page.Locator("#resubmit-failed")).ToBeEnabledAsync();
        // A wrong token is refused too, and nothing was resubmitted.
        await page.FillAsync("#writer-token", "not-the-writers-token-at-all");
        await page.ClickAsync("#writer-save");
        await page.ClickAsync("#resubmit-failed");
        await Expect(page.Locator("#action-outcome .error")).ToContainTextAsync("token");
        await Expect(page.Locator("#resubmitted")).ToHaveCountAsync(0);
        Assert.Empty(problems);
    }

    private static async Task EnterTokenAsync(IPage page)
    {
        await page.ClickAsync("#writer-open");
        await page.FillAsync("#writer-token", UiFixture.WriterToken);
        await page.ClickAsync("#writer-save");
        await Expect(page.Locator("#writer-state")).ToBeVisibleAsync();
        // Kept for the tab only.
        Assert.Equal(UiFixture.WriterToken, await page.EvaluateAsync<string>("() => sessionStorage.getItem('reimzul.writer_token')"));
    }
}
