namespace Reimzul.Tests.Support;

/// <summary>A fresh directory removed when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "reimzul-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A test that mounted something here or left a child running; the OS cleans /tmp.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
