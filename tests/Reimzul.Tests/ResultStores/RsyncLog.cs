using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.ResultStores;

/// <summary>Keeps what the rsync store logs, so a test can wait for a failed try before it starts the daemon.</summary>
internal sealed class RsyncLog : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<string> Warnings => [.. _entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message)];

    public string Text => string.Join('\n', _entries.Select(e => $"{e.Level}: {e.Message}"));

    public Task WaitForWarningAsync(string contains) =>
        Eventually.WaitAsync(() => Warnings.Any(w => w.Contains(contains, StringComparison.Ordinal)), TimeSpan.FromSeconds(20),
            () => $"no warning containing '{contains}'; logged:\n{Text}");

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception)));
}
