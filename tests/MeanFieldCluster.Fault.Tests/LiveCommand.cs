namespace MeanFieldCluster.Fault.Tests;

/// <summary>For commands the test reads while they run (a watch that must be following before the test acts); wait on them with <see cref="FaultTests.WaitUntil"/>.</summary>
internal static class LiveCommand
{
    /// <summary>Collects what a command writes while the test reads it.</summary>
    public sealed class Writer : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }
}
