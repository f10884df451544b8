using Microsoft.Playwright;

namespace Reimzul.Tests.Ui;

/// <summary>
/// Debian's chromium, headless, driven by Playwright: one browser for the tests of a class, a fresh context (own
/// cookies and sessionStorage) per test. Playwright never downloads a browser of its own here.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Null when chromium can run here, else why not.</summary>
    public static string? WhyUnavailable =>
        File.Exists(ExecutablePath) ? null : $"{ExecutablePath} is not installed; ./scripts/install-deps.sh installs Debian's chromium";

    /// <summary>Where screenshots are kept as the tests' artifacts: bin/…/screenshots, next to the test assembly.</summary>
    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (WhyUnavailable is not null)
        {
            return;
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Chromium's own sandbox refuses to start as root, which the tests run as in CI.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    /// <summary>A page of its own browser context, 1280×900, failing any step after 15 s.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page PNG named <paramref name="name"/> under <see cref="ScreenshotDir"/>; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        var path = Path.Combine(ScreenshotDir, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

/// <summary>A test in the browser: reported skipped, saying why, where chromium is not installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.WhyUnavailable is { } why)
        {
            Skip = why;
        }
    }
}
