namespace Reimzul.Queue.Beanstalk;

/// <summary>What went wrong talking to beanstalkd.</summary>
public enum BeanstalkError
{
    /// <summary>No connection could be made (refused, unreachable, timed out, TLS handshake refused).</summary>
    ConnectFailed,

    /// <summary>The connection broke, or is out of step with the server; it is closed.</summary>
    ConnectionLost,

    /// <summary>The CA, certificate or key file for TLS cannot be used.</summary>
    TlsSetup,

    /// <summary><c>JOB_TOO_BIG</c>: the body is larger than the server's max job size (<c>beanstalkd -z</c>).</summary>
    JobTooBig,

    /// <summary><c>DRAINING</c>: the server is shutting down and takes no new jobs.</summary>
    Draining,

    /// <summary><c>BURIED</c> on put or release: the server ran out of memory; the job exists, buried.</summary>
    Buried,

    /// <summary><c>NOT_IGNORED</c>: the last watched tube cannot be ignored.</summary>
    NotIgnored,

    /// <summary><c>OUT_OF_MEMORY</c>.</summary>
    OutOfMemory,

    /// <summary><c>INTERNAL_ERROR</c>: a bug in the server.</summary>
    InternalError,

    /// <summary><c>BAD_FORMAT</c>: the server could not parse a command; the connection is dropped.</summary>
    BadFormat,

    /// <summary><c>UNKNOWN_COMMAND</c>: the server does not know a command (an older server?).</summary>
    UnknownCommand,

    /// <summary><c>EXPECTED_CRLF</c>: a job body was not followed by CRLF; the connection is dropped.</summary>
    ExpectedCrlf,

    /// <summary>A reply this client does not understand; the connection is dropped.</summary>
    UnexpectedReply,
}

/// <summary>A beanstalkd server refused a command, or could not be talked to. The message names the server and the reason.</summary>
public class BeanstalkException : IOException
{
    public BeanstalkException()
    {
    }

    public BeanstalkException(string message)
        : base(message)
    {
    }

    public BeanstalkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BeanstalkException(BeanstalkError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    public BeanstalkError Error { get; }

    /// <summary>The job concerned, when the reply named one (<see cref="BeanstalkError.Buried"/>).</summary>
    public long? JobId { get; init; }
}

/// <summary>
/// The connection to beanstalkd could not be made or broke. Jobs reserved on a broken connection are
/// released by the server; a <see cref="BeanstalkdJobQueue"/> reconnects on its next call.
/// </summary>
public sealed class BeanstalkConnectionException : BeanstalkException
{
    public BeanstalkConnectionException()
    {
    }

    public BeanstalkConnectionException(string message)
        : base(BeanstalkError.ConnectionLost, message)
    {
    }

    public BeanstalkConnectionException(string message, Exception innerException)
        : base(BeanstalkError.ConnectionLost, message, innerException)
    {
    }

    public BeanstalkConnectionException(BeanstalkError error, string message, Exception? innerException = null)
        : base(error, message, innerException)
    {
    }
}
