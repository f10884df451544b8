using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Validation;

namespace Reimzul.Store;

/// <summary>
/// The repogen role. Consuming and running are separate loops: a request on <c>createrepo</c> is
/// made durable by the regenerator and deleted at once, while one runner regenerates every dirty
/// target. A burst of builds thus costs a few createrepo_c runs, not one per build, and no
/// request is ever skipped.
/// </summary>
public sealed class RepogenService(
    IJobQueueFactory queues,
    RepoRegenerator regenerator,
    RepogenOptions options,
    ILogger<RepogenService> logger,
    TimeProvider time) : QueueConsumer(queues, logger, time)
{
    private readonly Channel<string> _dirty = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _runner;

    protected override IReadOnlyCollection<string> WatchedTubes { get; } = [Tubes.Createrepo];

    protected override TimeSpan ReserveTimeout => TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _runner = Task.Run(() => RunLoopAsync(stoppingToken), CancellationToken.None);
        return Task.WhenAll(base.ExecuteAsync(stoppingToken), _runner);
    }

    protected override async Task<JobDisposition> HandleAsync(ReservedJob job, IJobQueue session, CancellationToken stoppingToken)
    {
        if (!MessageJson.TryParseCreaterepoRequest(job.Body, out var request, out var error))
        {
            return JobDisposition.Bury(error);
        }
        if (!InputRules.TryValidateTarget(request.Target, out error))
        {
            return JobDisposition.Bury(error);
        }
        await regenerator.RequestAsync(request.Target, stoppingToken);
        _dirty.Writer.TryWrite(request.Target);
        return JobDisposition.Delete;
    }

    /// <summary>Idle: pick up requests a crashed process left dirty.</summary>
    protected override Task OnIdleAsync(CancellationToken stoppingToken)
    {
        _dirty.Writer.TryWrite("");
        return Task.CompletedTask;
    }

    private async Task RunLoopAsync(CancellationToken stoppingToken)
    {
        var retry = Backoff.Default();
        var lastPassEnded = DateTimeOffset.MinValue;
        // Start-up: whatever was requested before a crash or restart.
        _dirty.Writer.TryWrite("");
        try
        {
            while (await _dirty.Reader.WaitToReadAsync(stoppingToken))
            {
                Drain();
                if (Time.GetUtcNow() - lastPassEnded < options.CoalesceQuietPeriod)
                {
                    await WaitForQuietAsync(stoppingToken);
                }
                var failed = false;
                foreach (var report in await regenerator.RunAllPendingAsync(stoppingToken))
                {
                    if (report.Failures > 0)
                    {
                        failed = true;
                        logger.LogError("createrepo for {Target} failed: {Error}", report.Target, report.LastError);
                    }
                }
                if (failed)
                {
                    var delay = retry.Next();
                    logger.LogWarning("repodata left dirty; trying again in {Delay:0.0} s", delay.TotalSeconds);
                    await Task.Delay(delay, Time, stoppingToken);
                    _dirty.Writer.TryWrite("");
                }
                else
                {
                    retry.Reset();
                }
                lastPassEnded = Time.GetUtcNow();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>In a burst: let requests gather until they pause, or the maximum delay has passed.</summary>
    private async Task WaitForQuietAsync(CancellationToken stoppingToken)
    {
        var started = Time.GetUtcNow();
        while (Time.GetUtcNow() - started < options.CoalesceMaxDelay)
        {
            using var pause = new CancellationTokenSource(options.CoalesceQuietPeriod, Time);
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, pause.Token);
            try
            {
                await _dirty.Reader.WaitToReadAsync(quiet.Token);
                Drain();
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Every signal is served by one pass over all dirty targets.
    private void Drain()
    {
        while (_dirty.Reader.TryRead(out _))
        {
        }
    }
}
