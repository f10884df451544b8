namespace Reimzul.Tests.Ui;

/// <summary>Specs of the packages the UI tests build, beyond those of <see cref="Support.SrpmFactory"/>.</summary>
internal static class UiSpecs
{
    /// <summary>What a hostile build log holds: markup that would run if a page inserted it as HTML.</summary>
    public const string HostileLine = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>";

    /// <summary>A noarch package whose %build prints a numbered line every second, the hostile line among them.</summary>
    public static string Ticking(string name, int ticks) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1%{?dist}
        Summary: Writes its log slowly
        License: MIT
        BuildArch: noarch

        %description
        Slow log.

        %build
        for i in $(seq 1 {{ticks}}); do echo "tick $i of {{ticks}}"; echo '{{HostileLine}}'; sleep 1; done

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        echo done > %{buildroot}/usr/share/{{name}}/done.txt

        %files
        /usr/share/{{name}}/done.txt
        """;

    /// <summary>A C program that builds on x86_64 and fails on the chained i386 build.</summary>
    public static string FailsOnI386(string name) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1%{?dist}
        Summary: Fails on i386 only
        License: MIT

        %description
        Half broken.

        %prep
        cat > hello.c <<'EOF'
        int main(void) { return 0; }
        EOF

        %build
        %ifarch %{ix86}
        echo "this arch fails on purpose" >&2
        exit 1
        %endif
        gcc -O2 -o hello hello.c

        %install
        mkdir -p %{buildroot}/usr/bin
        install -m 755 hello %{buildroot}/usr/bin/{{name}}

        %files
        /usr/bin/{{name}}
        """;
}
