using Reimzul.Config;
using Reimzul.Rpm;

namespace Reimzul.Tests.Config;

public sealed class IniFileTests
{
    [Fact]
    public void SectionsKeysAndBothDelimitersAreRead()
    {
        var ini = IniFile.Parse("""
            # a comment
            ; another comment
            [bstore]
            base_url = http://bstore.example.org/repo/

            [MQTT]
            Host: broker.example.org
            password = a=b:c
            """, "test.ini");

        Assert.Equal(["bstore", "mqtt"], ini.Sections.Select(s => s.Name));
        Assert.Equal("http://bstore.example.org/repo/", ini.Section("bstore")!.Entry("base_url")!.Value);
        Assert.Equal("broker.example.org", ini.Section("mqtt")!.Entry("HOST")!.Value);
        Assert.Equal("a=b:c", ini.Section("Mqtt")!.Entry("password")!.Value);
        Assert.Equal(8, ini.Section("mqtt")!.Entry("password")!.Line);
    }

    [Fact]
    public void ValuesAreTakenLiterallyWithoutInlineComments()
    {
        var ini = IniFile.Parse("[mqtt]\npassword = se#cret ; not a comment\n", "test.ini");

        Assert.Equal("se#cret ; not a comment", ini.Section("mqtt")!.Entry("password")!.Value);
    }

    [Fact]
    public void WindowsLineEndingsAByteOrderMarkAndIndentationAreTolerated()
    {
        var ini = IniFile.Parse("\uFEFF[queue]\r\n  port = 11300\r\n\tbackend = beanstalkd\r\n", "test.ini");

        Assert.Equal("11300", ini.Section("queue")!.Entry("port")!.Value);
        Assert.Equal("beanstalkd", ini.Section("queue")!.Entry("backend")!.Value);
    }

    [Fact]
    public void AnEmptyValueIsKeptEmpty()
    {
        var ini = IniFile.Parse("[mqtt]\nusername =\n", "test.ini");

        Assert.Equal("", ini.Section("mqtt")!.Entry("username")!.Value);
    }

    [Theory]
    [InlineData("[queue]\nport = 1\nPORT = 2\n", "test.ini:3: [queue] port: duplicate key (first set on line 2)")]
    [InlineData("[queue]\n[mail]\n[queue]\n", "test.ini:3: [queue]: duplicate section (first on line 1)")]
    [InlineData("port = 1\n", "test.ini:1: port: key outside any section (add a [section] line above it)")]
    [InlineData("[queue]\njust some words\n", "test.ini:2: expected '[section]', 'key = value' or 'key: value'")]
    [InlineData("[queue]\n= 5\n", "test.ini:2: missing key before '='")]
    [InlineData("[queue\n", "test.ini:1: section header does not end with ']'")]
    [InlineData("[]\n", "test.ini:1: bad section header '[]'")]
    [InlineData("[queue]\nhost = a\u001bb\n", "test.ini:2: contains control character U+001B")]
    [InlineData("[queue]\nhost = a\0b\n", "test.ini:2: contains control character U+0000")]
    public void BadSyntaxNamesFileAndLine(string text, string message)
    {
        var ex = Assert.Throws<ConfigException>(() => IniFile.Parse(text, "test.ini"));

        Assert.Equal(message, ex.Message);
        Assert.Equal("test.ini", ex.File);
    }
}
