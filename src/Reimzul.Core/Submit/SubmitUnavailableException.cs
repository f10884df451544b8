namespace Reimzul.Submit;

/// <summary>A submit that could not be queued because the queue or the controller is unavailable; trying again later may work.</summary>
public sealed class SubmitUnavailableException : Exception
{
    public SubmitUnavailableException()
    {
    }

    public SubmitUnavailableException(string message)
        : base(message)
    {
    }

    public SubmitUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
