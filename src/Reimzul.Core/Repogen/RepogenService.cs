using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processing;
using Reimzul.Queue;
using Reimzul.Retry;

namespace Reimzul.Repogen;

/// <summary>
/// The repogen role. Consuming and running are separate loops: a request on <c>createrepo</c> is
/// made durable by the regenerator and deleted at once, while one runner regenerates every dirty
/// target. With nothing left to build, a request runs at once (a single build is in the repo as
/// soon as possible); while builds are still queued, requests gather for up to
/// <see cref="RepogenOptions.CoalesceMaxDelay"/>, or ten times as long as the last pass of createrepo_c runs took
/// (at most a minute), so a burst of builds costs a few createrepo_c runs, not one per build, and on a big repo
/// createrepo_c takes at most about a tenth of the machine while builders wait for it. No request is ever skipped.
/// </summary>
public sealed class RepogenService(
    IJobQueueFactory queues,
    RepoRegenerator regenerator,
    RepogenOptions options,
    ILogger<RepogenService> logger,
    TimeProvider time) : QueueConsumer(queues, logger, time)
{
    // A wake-up for the runner: what is dirty is on disk, so one pending signal is as good as many.
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private static readonly TimeSpan GatherPoll = TimeSpan.FromMilliseconds(200);

    // While builds are queued, each pass of runs is followed by at least this many times its own length of gathering.
    private const int GatherPerRunTime = 10;
    private static readonly TimeSpan GatherCap = TimeSpan.FromMinutes(1);
    private TimeSpan _lastPass;
    private IQueueAdmin? _stats;

    protected override IReadOnlyCollection<string> WatchedTubes { get; } = [Tubes.Createrepo];

    protected override TimeSpan ReserveTimeout => TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runner = Task.Run(() => RunLoopAsync(stoppingToken), CancellationToken.None);
        return Task.WhenAll(base.ExecuteAsync(stoppingToken), runner);
    }

    protected override async Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        if (!MessageChecks.TryReadCreaterepoRequest(job.Body, out var request, out var error))
        {
            return JobDisposition.Bury(error);
        }
        if (regenerator.NeverBuilt(request.Target) is { } neverBuilt)
        {
            return JobDisposition.Bury(neverBuilt);
        }
        await regenerator.RequestAsync(request.Target, stoppingToken);
        Signal();
        return JobDisposition.Delete;
    }

    /// <summary>Idle: pick up requests a crashed process left dirty.</summary>
    protected override Task OnIdleAsync(CancellationToken stoppingToken)
    {
        Signal();
        return Task.CompletedTask;
    }

    private async Task RunLoopAsync(CancellationToken stoppingToken)
    {
        var retry = RetryPolicy.Default.Start(Time);
        // Start-up: whatever was requested before a crash or restart.
        Signal();
        try
        {
            while (await _dirty.Reader.WaitToReadAsync(stoppingToken))
            {
                Drain();
                await GatherWhileBuildsAreQueuedAsync(stoppingToken);
                var failed = false;
                var started = Time.GetTimestamp();
                var reports = await regenerator.RunAllPendingAsync(stoppingToken);
                _lastPass = Time.GetElapsedTime(started);
                foreach (var report in reports)
                {
                    if (report.Failures > 0)
                    {
                        failed = true;
                        logger.LogError("createrepo for {Target} failed: {Error}", report.Target, report.LastError);
                    }
                }
                if (failed)
                {
                    var delay = retry.Failed().Delay;
                    logger.LogWarning("repodata left dirty; trying again in {Delay:0.0} s", delay.TotalSeconds);
                    await Task.Delay(delay, Time, stoppingToken);
                    Signal();
                }
                else
                {
                    retry.Progressed();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>While build jobs wait in the queue, more requests are coming: let them gather, up to the maximum delay.</summary>
    private async Task GatherWhileBuildsAreQueuedAsync(CancellationToken stoppingToken)
    {
        var started = Time.GetUtcNow();
        var longest = TimeSpan.FromTicks(Math.Max(options.CoalesceMaxDelay.Ticks, GatherCap.Ticks));
        var gather = TimeSpan.FromTicks(Math.Clamp(_lastPass.Ticks * GatherPerRunTime, options.CoalesceMaxDelay.Ticks, longest.Ticks));
        while (Time.GetUtcNow() - started < gather && await BuildsQueuedAsync(stoppingToken))
        {
            await Task.Delay(GatherPoll, Time, stoppingToken);
            Drain();
        }
    }

    private async Task<bool> BuildsQueuedAsync(CancellationToken stoppingToken)
    {
        try
        {
            _stats ??= await Queues.OpenAdminAsync(stoppingToken);
            foreach (var tube in Tubes.BuildTubes)
            {
                if ((await _stats.StatsTubeAsync(tube, stoppingToken)).Ready > 0)
                {
                    return true;
                }
            }
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without figures, do not hold the repo back.
            logger.LogWarning("cannot read queue figures ({Message}); regenerating at once", ex.Message);
            if (_stats is not null)
            {
                await _stats.DisposeAsync();
                _stats = null;
            }
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_stats is not null)
        {
            await _stats.DisposeAsync();
        }
    }

    private void Signal() => _dirty.Writer.TryWrite(true);

    // A signal pending now is served by the pass about to run over all dirty targets.
    private void Drain() => _dirty.Reader.TryRead(out _);
}
