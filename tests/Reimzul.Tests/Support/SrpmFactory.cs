using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>Builds small real source RPMs from specs written by the tests, with the host's rpmbuild.</summary>
public static class SrpmFactory
{
    /// <summary>A noarch package that installs one text file.</summary>
    /// <summary>A <see cref="NoarchSpec"/> whose %install also runs <paramref name="lines"/>.</summary>
    public static string NoarchSpecInstalling(string name, string lines) =>
        NoarchSpec(name).Replace("\n\n%files", $"\n{lines}\n\n%files", StringComparison.Ordinal);

    public static string NoarchSpec(string name, string version = "1.0", string release = "1%{?dist}") => $$"""
        Name: {{name}}
        Version: {{version}}
        Release: {{release}}
        Summary: Test package {{name}}
        License: MIT
        BuildArch: noarch

        %description
        Test package.

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        echo {{name}} > %{buildroot}/usr/share/{{name}}/hello.txt

        %files
        /usr/share/{{name}}/hello.txt
        """;

    /// <summary>An arch-specific C program with a <c>-libs</c> subpackage.</summary>
    public static string CProgramSpec(string name, string version = "2.0", string release = "1%{?dist}") => $$"""
        Name: {{name}}
        Version: {{version}}
        Release: {{release}}
        Summary: Test C program {{name}}
        License: MIT

        %description
        A C program.

        %package libs
        Summary: Library of {{name}}

        %description libs
        Library part.

        %prep
        cat > hello.c <<'EOF'
        #include <stdio.h>
        int main(void) { puts("hello"); return 0; }
        EOF

        %build
        gcc -O2 -o hello hello.c

        %install
        mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/lib/{{name}}
        install -m 755 hello %{buildroot}/usr/bin/{{name}}
        echo lib > %{buildroot}/usr/lib/{{name}}/data

        %files
        /usr/bin/{{name}}

        %files libs
        /usr/lib/{{name}}/data
        """;

    /// <summary>A spec whose %build exits non-zero.</summary>
    public static string FailingSpec(string name) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1%{?dist}
        Summary: Fails to build
        License: MIT
        BuildArch: noarch

        %description
        Fails.

        %build
        echo "this build fails on purpose" >&2
        exit 1

        %files
        """;

    /// <summary>A spec whose %build sleeps for <paramref name="seconds"/>.</summary>
    public static string SleepingSpec(string name, int seconds) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1%{?dist}
        Summary: Takes its time
        License: MIT
        BuildArch: noarch

        %description
        Slow.

        %build
        sleep {{seconds}}

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        echo slow > %{buildroot}/usr/share/{{name}}/slow.txt

        %files
        /usr/share/{{name}}/slow.txt
        """;

    /// <summary>
    /// Shaped like the kernel spec: built for noarch (the kernel's chained noarch build) it yields only a
    /// noarch <c>-doc</c> package; for any other arch, a binary package.
    /// </summary>
    public static string KernelLikeSpec(string name = "kernel", string version = "3.10.0", string release = "1%{?dist}") => $$"""
        Name: {{name}}
        Version: {{version}}
        Release: {{release}}
        Summary: Kernel-like test package
        License: GPLv2
        ExclusiveArch: noarch x86_64 i686

        %ifarch noarch
        %define with_up 0
        %define with_doc 1
        %else
        %define with_up 1
        %define with_doc 0
        %endif

        %description
        Kernel-like.

        %if %{with_doc}
        %package doc
        Summary: Documentation of {{name}}

        %description doc
        Documentation.
        %endif

        %prep
        cat > image.c <<'EOF'
        int main(void) { return 0; }
        EOF

        %build
        %if %{with_up}
        gcc -O2 -o vmlinuz image.c
        %endif

        %install
        mkdir -p %{buildroot}/boot %{buildroot}/usr/share/doc/{{name}}-doc
        %if %{with_up}
        install -m 644 vmlinuz %{buildroot}/boot/vmlinuz
        %endif
        %if %{with_doc}
        echo doc > %{buildroot}/usr/share/doc/{{name}}-doc/README
        %endif

        %if %{with_up}
        %files
        /boot/vmlinuz
        %endif

        %if %{with_doc}
        %files doc
        /usr/share/doc/{{name}}-doc/README
        %endif
        """;

    /// <summary>A spec without any %files: rpmbuild succeeds and writes no binary RPM.</summary>
    public static string EmptySpec(string name) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1%{?dist}
        Summary: Builds nothing
        License: MIT
        BuildArch: noarch

        %description
        Nothing.
        """;

    /// <summary>Writes <paramref name="specText"/> and runs <c>rpmbuild -bs</c>; returns the path of the SRPM in <paramref name="outputDir"/>.</summary>
    public static async Task<string> BuildAsync(string specText, string outputDir)
    {
        var topdir = Path.Combine(Path.GetTempPath(), $"reimzul-srpm-{Guid.NewGuid():N}");
        try
        {
            var specs = Path.Combine(topdir, "SPECS");
            Directory.CreateDirectory(specs);
            var nameLine = specText.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("Name:", StringComparison.Ordinal));
            var specPath = Path.Combine(specs, nameLine["Name:".Length..].Trim() + ".spec");
            var normalized = string.Join('\n', specText.Split('\n').Select(l => l.TrimStart()));
            await File.WriteAllTextAsync(specPath, normalized);
            var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("rpmbuild", ["-bs", "--define", "_topdir " + topdir, "--define", "dist %{nil}", specPath]));
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"rpmbuild -bs failed ({result.ExitCode}): {result.StandardError}");
            }
            var srpm = Directory.GetFiles(Path.Combine(topdir, "SRPMS"), "*.src.rpm").Single();
            Directory.CreateDirectory(outputDir);
            var destination = Path.Combine(outputDir, Path.GetFileName(srpm));
            File.Copy(srpm, destination, overwrite: true);
            return destination;
        }
        finally
        {
            Directory.Delete(topdir, recursive: true);
        }
    }
}
