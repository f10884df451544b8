using System.Net;

namespace Reimzul.Protocol;

/// <summary>
/// A service refused a request; the message is the service's own reason. The services throw it from their handlers
/// (it becomes the reply's status and <c>{"error": ...}</c>; no status means 400), and the clients rethrow it from that reply.
/// </summary>
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
