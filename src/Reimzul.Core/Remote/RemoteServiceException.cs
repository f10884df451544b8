using System.Net;

namespace Reimzul.Remote;

/// <summary>A service refused a request; the message is the service's own reason.</summary>
public sealed class RemoteServiceException : Exception
{
    public RemoteServiceException()
    {
    }

    public RemoteServiceException(string message)
        : base(message)
    {
    }

    public RemoteServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RemoteServiceException(HttpStatusCode status, string message)
        : base(message) => Status = status;

    public HttpStatusCode? Status { get; }
}
