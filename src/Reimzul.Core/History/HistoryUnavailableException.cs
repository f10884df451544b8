namespace Reimzul.History;

/// <summary>
/// The history database cannot be used right now (connection refused, login refused, server gone):
/// the event is fine, the call may be retried later. The message names the store and says why.
/// </summary>
public sealed class HistoryUnavailableException : Exception
{
    public HistoryUnavailableException()
    {
    }

    public HistoryUnavailableException(string message)
        : base(message)
    {
    }

    public HistoryUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
