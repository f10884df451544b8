using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>Priorities as the original: <c>--now</c> jobs overtake everything queued.</summary>
public sealed class QueueOrderFacts : IDisposable
{
    private readonly Installation _install = new();

    [Fact]
    public async Task ANowJobOvertakesJobsQueuedBeforeIt()
    {
        // Queue while no worker runs, so the order is decided by the queue alone.
        foreach (var name in new[] { "first", "second", "third" })
        {
            await _install.SubmitAsync(await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec(name)), "c7.order", "noarch");
        }
        await _install.SubmitAsync(await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("urgent")), "c7.order", "noarch", "--now");

        await using var up = await _install.StartUpAsync(workers: 1);
        await _install.WaitForResultsAsync("third-1.0-1.src.rpm", "noarch");
        await _install.WaitForResultsAsync("urgent-1.0-1.src.rpm", "noarch");

        var order = _install.Log().Where(l => l.Status == "Building").Select(l => l.Srpm.Split('-')[0]).ToList();
        Assert.Equal(["urgent", "first", "second", "third"], order);
        await _install.WaitForRepoAsync("c7.order.noarch", "urgent-1.0-1.el7.noarch", "first-1.0-1.el7.noarch", "second-1.0-1.el7.noarch", "third-1.0-1.el7.noarch");
    }

    public void Dispose() => _install.Dispose();
}
