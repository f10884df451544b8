using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Reimzul.Tests.Support;

/// <summary>Keeps every log line, so a test can wait for something to have been tried.</summary>
public sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> lines = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Lines => [.. lines];

    public int Count(LogLevel level) => lines.Count(l => l.Level == level);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Enqueue((logLevel, formatter(state, exception)));
}
