namespace Reimzul.Web.Hosting;

/// <summary>A request the service refuses: the HTTP status and the reason the client is told.</summary>
internal sealed class RequestRefusedException : Exception
{
    public RequestRefusedException()
    {
    }

    public RequestRefusedException(string message)
        : base(message)
    {
    }

    public RequestRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RequestRefusedException(int status, string message)
        : base(message) => Status = status;

    public int Status { get; } = 400;
}
