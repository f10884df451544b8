namespace Reimzul.GitToSrpm;

/// <summary>The SRPM could not be made; the message is for the requester (what failed and why), the server's paths left out.</summary>
public sealed class GitSrpmException : Exception
{
    public GitSrpmException()
    {
    }

    public GitSrpmException(string message)
        : base(message)
    {
    }

    public GitSrpmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
