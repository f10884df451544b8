namespace Reimzul.Config;

/// <summary>Whether a configured path can serve: checked at start, so a wrong one stops the program with its key, not a role later.</summary>
public static class PathChecks
{
    /// <summary>Null when <paramref name="path"/> is a directory or can be made one (nothing on its way up is a file), else why not.</summary>
    public static string? WhyNotADirectory(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return null;
        }
        // File.Exists is true for a dangling symlink, so that comes first.
        if (IsDanglingSymlink(full))
        {
            return $"is a dangling symlink (to '{new FileInfo(full).LinkTarget}')";
        }
        if (File.Exists(full))
        {
            return "is a file, not a directory";
        }
        return BlockingAncestor(full) is { } blocking ? $"cannot be created: '{blocking}' is not a directory" : null;
    }

    /// <summary>Null when the directory <paramref name="file"/> goes in can be made (a database, a log file), else why not.</summary>
    public static string? WhyNoFileCanGoThere(string file)
    {
        var full = Path.GetFullPath(file);
        if (Directory.Exists(full))
        {
            return "is a directory, not a file";
        }
        return BlockingAncestor(full) is { } blocking ? $"cannot be created: '{blocking}' is not a directory" : null;
    }

    // The nearest existing entry above path, when it is not a directory.
    private static string? BlockingAncestor(string full)
    {
        for (var parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent))
            {
                return null;
            }
            if (File.Exists(parent) || IsSymlink(parent))
            {
                return parent;
            }
        }
        return null;
    }

    /// <summary>Null when <paramref name="path"/> is a file this process can read, else why not.</summary>
    public static string? WhyNotAReadableFile(string path)
    {
        if (Directory.Exists(path))
        {
            return "is a directory, not a file";
        }
        if (IsDanglingSymlink(path))
        {
            return $"is a dangling symlink (to '{new FileInfo(path).LinkTarget}')";
        }
        if (!File.Exists(path))
        {
            return "does not exist";
        }
        // Opening a FIFO would block until a writer comes; it has no size, nor has an empty file anything to read.
        if (new FileInfo(path).Length == 0)
        {
            return null;
        }
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "cannot be read (permission denied)";
        }
        catch (IOException ex)
        {
            return $"cannot be read: {ex.Message}";
        }
    }

    private static bool IsDanglingSymlink(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true };
        }
        catch (IOException)
        {
            // A loop of symlinks leads nowhere either.
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsSymlink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
