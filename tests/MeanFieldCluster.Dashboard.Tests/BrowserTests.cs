using System.Globalization;
using System.Net;
using MeanFieldCluster.Silo.Hosting;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace MeanFieldCluster.Dashboard.Tests;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's chromium and chromium-driver), following a real
/// sweep on an embedded silo. Saves TestResults/dashboard.png (next to the trx files of test.sh).
/// </summary>
[Trait("Category", "Slow")]
public sealed class BrowserTests(ITestOutputHelper log)
{
    // MMN example 1 at two widths: the radial PDE applies. Two points of 2·10^7 steps in chunks of 10^5
    // behind the test gate (docs/testing.md): they compute only as far as the test releases them, so the
    // sweep is still running when the test cancels it, whatever the machine's speed.
    private const string LongSweep = """
        name: dashboard-browser
        seed: 3
        model: {preset: mmn-isotropic, activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 40, delta: 0.8}
        training: {horizon: 2}
        observe: {test_samples: 500, risk_times: {count: 40, spacing: log}, snapshot_times: [0, 0.01, 0.1, 2], quantiles: 64}
        grid: {width: [100, 200], step_size: [1e-7], seeds: 1}
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheDashboardListsARunningSweepDrawsOneRiskCurvePerWidthWithTheLimitAndShowsProgressAdvancing()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Stage(string what) => log.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");
        string gate = Path.Combine(Path.GetTempPath(), "mfc-browser-gate-" + Guid.NewGuid().ToString("N"));
        await using DashboardHost host = await DashboardHost.StartAsync(workers: 2, hooks: TestHooks.FromEnvironment() with { GateDirectory = gate, ChunkSteps = 100_000 });
        void ReleaseUntil(long steps) => File.WriteAllText(Path.Combine(gate, "release-all"), steps.ToString(CultureInfo.InvariantCulture));
        string id = await host.SubmitAsync(LongSweep, "browser-sweep");
        using ChromeDriver browser = StartBrowser();

        Stage("silo, sweep and browser started");
        browser.Navigate().GoToUrl(host.BaseUrl + "/");

        // The sweep is listed, and the page selects it (the newest running sweep) by itself.
        // The list is redrawn as progress comes in: read the entry's text in the same probe that finds it.
        string listed = WaitFor(browser, b => b.FindElements(By.CssSelector($"#sweep-list li[data-sweep-id='{id}']")).FirstOrDefault()?.Text, "the sweep in the list");
        Assert.Contains("dashboard-browser", listed, StringComparison.Ordinal);
        WaitFor(browser, b => b.FindElement(By.Id("sweep-name")).Text == "dashboard-browser" ? true : (bool?)null, "the sweep's panel");
        Assert.Equal("running", WaitFor(browser, b => b.FindElement(By.Id("sweep-state")).Text, "the sweep's state"));
        Stage("sweep listed and selected");

        // One risk curve per width, each with data, and the mean-field limit dashed beside them.
        IWebElement chart = browser.FindElement(By.Id("risk-chart"));
        WaitFor(browser, _ => chart.GetDomAttribute("data-nonempty-series") == "2" && chart.GetDomAttribute("data-pde") == "true" ? true : (bool?)null, "two non-empty risk curves and the PDE curve");
        Stage("risk curves and limit drawn");
        Assert.Equal("2", chart.GetDomAttribute("data-series-count"));
        Assert.Equal("[\"N = 100\",\"N = 200\"]", chart.GetDomAttribute("data-series-labels"));
        string[] legend = [.. chart.FindElements(By.CssSelector(".u-legend .u-series .u-label")).Select(e => e.Text)];
        Assert.Equal(["t", "N = 100", "N = 200", "mean-field limit (PDE)"], legend);
        Assert.NotEmpty(chart.FindElements(By.TagName("canvas")));

        // The weight law at a snapshot time: one quantile function per width.
        IWebElement law = browser.FindElement(By.Id("quantile-chart"));
        WaitFor(browser, _ => law.GetDomAttribute("data-series-count") == "2" ? true : (bool?)null, "the quantile chart");

        // Progress advances between two reads once the points may go on (to 3·10^5 steps each).
        IWebElement progress = browser.FindElement(By.Id("overall-progress"));
        long first = long.Parse(progress.GetDomAttribute("data-done")!, CultureInfo.InvariantCulture);
        ReleaseUntil(300_000);
        long second = WaitFor(browser, _ => long.Parse(progress.GetDomAttribute("data-done")!, CultureInfo.InvariantCulture) is var done && done > first ? done : (long?)null, "progress to advance")!.Value;
        Assert.True(second > first);
        Stage("progress advanced");
        Assert.Equal("40000000", progress.GetDomAttribute("data-total"));
        Assert.Equal(2, browser.FindElements(By.CssSelector("#points tbody tr")).Count);

        // Let the curves grow a little (to 6·10^5 steps a point), then keep a picture of the page.
        ReleaseUntil(600_000);
        WaitFor(browser, _ => long.Parse(progress.GetDomAttribute("data-done")!, CultureInfo.InvariantCulture) >= 1_200_000 ? true : (bool?)null, "more progress");
        string screenshot = SaveScreenshot(browser, "dashboard.png");
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        Stage($"screenshot saved: {screenshot}");

        // The Orleans dashboard is served beside it.
        using (HttpResponseMessage orleans = await host.Http.GetAsync(new Uri("/dashboard", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, orleans.StatusCode);
        }

        // Cancel from the page (loopback: no token), confirm, and see the sweep end cancelled.
        browser.FindElement(By.Id("cancel")).Click();
        browser.SwitchTo().Alert().Accept();
        WaitFor(browser, b => b.FindElement(By.Id("sweep-state")).Text == "cancelled" ? true : (bool?)null, "the sweep to end cancelled");
        // "cancel requested: ..." while points stop, or "the sweep is cancelled" when they stopped within the call.
        string message = browser.FindElement(By.Id("message")).Text;
        Assert.True(message.Contains("cancel requested", StringComparison.Ordinal) || message == "the sweep is cancelled", message);
        Stage("cancelled from the page");
    }

    private static ChromeDriver StartBrowser()
    {
        // The system browser and driver (Debian packages), never a downloaded one.
        ChromeDriverService service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000", "--force-device-scale-factor=1");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static T WaitFor<T>(IWebDriver browser, Func<IWebDriver, T?> probe, string what)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (probe(browser) is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is NoSuchElementException or StaleElementReferenceException)
            {
                // Not drawn yet, or redrawn meanwhile: look again.
            }

            if (DateTime.UtcNow > deadline)
            {
                string path = SaveScreenshot(browser, "dashboard-timeout.png");
                throw new TimeoutException($"waited {Patience.TotalSeconds} s for {what}; screenshot: {path}");
            }

            Thread.Sleep(250);
        }
    }

    // Test artifacts go to <repo>/TestResults (test.sh's results folder), or to $MFC_TEST_ARTIFACTS.
    private static string SaveScreenshot(IWebDriver browser, string name)
    {
        string directory = Environment.GetEnvironmentVariable("MFC_TEST_ARTIFACTS") ?? Path.Combine(RepositoryRoot(), "TestResults");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name);
        ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(path);
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeanFieldCluster.sln")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
