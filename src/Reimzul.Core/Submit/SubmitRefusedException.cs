namespace Reimzul.Submit;

/// <summary>A submit refused for its input (arch, target, disttag, SRPM); the message is the reason, for the submitter.</summary>
public sealed class SubmitRefusedException : Exception
{
    public SubmitRefusedException()
    {
    }

    public SubmitRefusedException(string message)
        : base(message)
    {
    }

    public SubmitRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
