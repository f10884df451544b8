namespace Reimzul.ResultStores;

/// <summary>
/// A result did not arrive on the bstore: rsync failed on every try, failed in a way another try
/// cannot mend, or the files on the bstore differ from the ones sent. An <see cref="IOException"/>,
/// so a full disk on the bstore ("No space left on device" in rsync's message) counts as one.
/// </summary>
public sealed class RsyncTransferException : IOException
{
    public RsyncTransferException()
    {
    }

    public RsyncTransferException(string message)
        : base(message)
    {
    }

    public RsyncTransferException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
