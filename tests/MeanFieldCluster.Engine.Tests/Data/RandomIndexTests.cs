using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Data;

public sealed class RandomIndexTests
{
    [Fact]
    public void UniformIndicesStayInRangeAndHitEveryValueEquallyOften()
    {
        var rng = RandomStreams.Create(1, RandomStreams.Purpose.Training);
        const int bound = 7, n = 70_000;
        var hits = new int[bound];
        for (int s = 0; s < n; s++)
        {
            hits[RandomIndex.Next(ref rng, bound)]++;
        }

        double p = 1.0 / bound;
        double se = Math.Sqrt(n * p * (1 - p));
        Assert.All(hits, h => Assert.InRange(h, (n * p) - (4 * se), (n * p) + (4 * se)));
    }

    [Fact]
    public void ABoundOfOneAlwaysGivesZero()
    {
        var rng = RandomStreams.Create(1, RandomStreams.Purpose.Training);
        for (int s = 0; s < 100; s++)
        {
            Assert.Equal(0, RandomIndex.Next(ref rng, 1));
        }
    }

    [Fact]
    public void FisherYatesPutsEveryElementInEveryPositionEquallyOften()
    {
        var rng = RandomStreams.Create(2, RandomStreams.Purpose.DataSplit);
        const int size = 5, n = 20_000;
        var counts = new int[size, size];
        for (int s = 0; s < n; s++)
        {
            int[] permutation = RandomIndex.Permutation(ref rng, size);
            Assert.Equal(Enumerable.Range(0, size), permutation.Order());
            for (int position = 0; position < size; position++)
            {
                counts[permutation[position], position]++;
            }
        }

        double p = 1.0 / size;
        double se = Math.Sqrt(n * p * (1 - p));
        foreach (int c in counts)
        {
            Assert.InRange(c, (n * p) - (4 * se), (n * p) + (4 * se));
        }
    }
}
