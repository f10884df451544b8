using Microsoft.Extensions.Logging;

namespace Reimzul.Tests.Support;

/// <summary>Every category logs to one logger (a <see cref="ListLogger"/>), so a test reads what a service said.</summary>
public sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
