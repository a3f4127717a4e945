using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using MeanFieldCluster.Engine.LargeDeviations.Limit;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Limit;

/// <summary>
/// The path-action solver against known answers it was not built from (docs/large-deviations.md, "The limiting rate
/// function"): Cramér's closed forms at T = 0 (MATH section 7), the Ornstein–Uhlenbeck endpoint law of pure Langevin
/// noise on a frozen data term, and, for the linear neuron's non-Gaussian increments, the cumulant generating function
/// against two-dimensional quadrature and the shooting against a direct minimization of the discretized action.
/// </summary>
public sealed class PathActionSolverTests
{
    [Theory]
    [InlineData(0.2, 1.3)]
    [InlineData(-0.5, 0.4)]
    public void AtTimeZeroTheAnnealedRateIsCramersGaussianRate(double mu, double s)
    {
        var solver = new PathActionSolver(new GaussianIncrements(0, 0, 0), 0, new GaussianInitialLaw(mu, s));
        foreach (double x in new[] { -2.0, -0.3, 0.0, 0.7, 2.5 })
        {
            Assert.Equal((x - mu) * (x - mu) / (2 * s * s), solver.Endpoint(x).Rate, 1e-9);
        }
    }

    [Fact]
    public void AtTimeZeroTheAnnealedRateIsCramersRateOfSigns()
    {
        var solver = new PathActionSolver(new GaussianIncrements(0, 0, 0), 0, new RademacherInitialLaw(0, 1));
        foreach (double x in new[] { -0.95, -0.5, 0.1, 0.6, 0.99 })
        {
            double exact = (((1 + x) / 2) * Math.Log(1 + x)) + (((1 - x) / 2) * Math.Log(1 - x));
            Assert.Equal(exact, solver.Endpoint(x).Rate, 1e-8);
        }

        Assert.True(double.IsPositiveInfinity(solver.Endpoint(1.2).Rate), "x outside [-1, 1] is unreachable");
    }

    // dm = (b − c m) dτ + sqrt(v/N) dW from m(0): m(S) ~ N(m* + (m(0) − m*) e^{−cS}, (v/N)(1 − e^{−2cS})/(2c)),
    // m* = b/c; annealed m(0) ~ N(μ0, s0²/N) adds s0² e^{−2cS} to N·Var. I(x) = (x − mean)² / (2 N Var).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PureLangevinNoiseOnAFrozenDataTermGivesTheOrnsteinUhlenbeckRate(bool annealed)
    {
        double alpha = 0.25, teacher = 0.8, ridge = 0.5, beta = 4, kappa = 0.7, horizon = 6;
        double b = 2 * alpha * teacher, c = 2 * alpha * (1 + ridge), v = 4 * alpha / beta, m0 = 0.3;
        var law = new GaussianIncrements(b, c, v);
        var solver = new PathActionSolver(law, horizon, annealed ? new GaussianInitialLaw(m0, kappa) : null, m0);
        double decay = Math.Exp(-c * horizon);
        double mean = (b / c) + ((m0 - (b / c)) * decay);
        double variance = (v * (1 - (decay * decay)) / (2 * c)) + (annealed ? kappa * kappa * decay * decay : 0);
        Assert.Equal(mean, solver.Typical, 1e-9);
        foreach (double x in new[] { mean - 1.0, mean - 0.2, mean + 0.05, mean + 0.6, mean + 1.5 })
        {
            double exact = (x - mean) * (x - mean) / (2 * variance);
            Assert.Equal(exact, solver.Endpoint(x).Rate, 1e-7 * (1 + exact));
        }
    }

    [Theory]
    [InlineData(0.3, 0.4)]
    [InlineData(-0.6, -0.25)]
    [InlineData(1.4, 0.1)]
    public void TheLinearNeuronCumulantGeneratingFunctionMatchesQuadrature(double m, double p)
    {
        double alpha = 0.25, teacher = 0.8, noise = 0.5, ridge = 0.3, beta = 5;
        var law = new LinearNeuronIncrements(alpha, teacher, noise, ridge, beta);

        // E exp(p Y) with Y = α[−2λm + 2(θ* − m)x² + 2σ ξ x] + sqrt(4α/β) Z, x, ξ, Z ~ N(0, 1): the Z part is
        // exp(2αp²/β) (Gaussian); x and ξ by a 2-D midpoint rule on [−12, 12]².
        int n = 1200;
        double h = 24.0 / n, sum = 0;
        for (int i = 0; i < n; i++)
        {
            double x = -12 + ((i + 0.5) * h);
            for (int j = 0; j < n; j++)
            {
                double xi = -12 + ((j + 0.5) * h);
                double y = alpha * ((-2 * ridge * m) + (2 * (teacher - m) * x * x) + (2 * noise * xi * x));
                sum += Math.Exp((p * y) - (0.5 * ((x * x) + (xi * xi))));
            }
        }

        double quadrature = Math.Log(sum * h * h / (2 * Math.PI)) + (2 * alpha * p * p / beta);
        Assert.Equal(quadrature, law.H(m, p), 1e-8);

        double e = 1e-5;
        Assert.Equal((law.H(m, p + e) - law.H(m, p - e)) / (2 * e), law.Hp(m, p), 1e-7);
        Assert.Equal((law.H(m + e, p) - law.H(m - e, p)) / (2 * e), law.Hm(m, p), 1e-7);
    }

    [Fact]
    public void AMiniBatchAveragesTheDataTermOfBSamples()
    {
        // Y_B = mean of B i.i.d. data terms + the (unchanged) drift and noise: H_B(p) = drift + noise + B h(p/B).
        var one = new LinearNeuronIncrements(0.3, 0.8, 0.5, 0.0, double.PositiveInfinity);
        var four = new LinearNeuronIncrements(0.3, 0.8, 0.5, 0.0, double.PositiveInfinity, batch: 4);
        Assert.Equal(4 * one.H(0.2, 0.7 / 4), four.H(0.2, 0.7), 1e-12);
    }

    // The shooting solution of the Hamiltonian boundary problem against an independent route: the action
    // Σ Δ L(m̄_j, (m_{j+1} − m_j)/Δ) of a discretized path, L(m, v) = sup_p (p v − H) by bisection, minimized by L-BFGS.
    [Theory]
    [InlineData(0.2)]
    [InlineData(1.1)]
    public void ShootingAgreesWithDirectMinimizationOfTheDiscretizedAction(double target)
    {
        var law = new LinearNeuronIncrements(0.25, 0.8, 0.5, 0.2, 2.0);
        double horizon = 4;
        var solver = new PathActionSolver(law, horizon, null, 0.0);
        double shooting = solver.Endpoint(target).Rate;

        int k = 40;
        double dt = horizon / k;
        (double, Vector<double>) Objective(Vector<double> inner)
        {
            double[] path = [0.0, .. inner, target];
            var grad = Vector<double>.Build.Dense(inner.Count);
            double action = 0;
            for (int j = 0; j < k; j++)
            {
                double mid = 0.5 * (path[j] + path[j + 1]), velocity = (path[j + 1] - path[j]) / dt;
                double p = Legendre(law, mid, velocity);
                action += dt * ((p * velocity) - law.H(mid, p));
                double dm = -dt * law.Hm(mid, p) * 0.5;
                if (j >= 1)
                {
                    grad[j - 1] += dm - p;
                }

                if (j + 1 <= k - 1)
                {
                    grad[j] += dm + p;
                }
            }

            return (action, grad);
        }

        var start = Vector<double>.Build.Dense(k - 1, j => target * (j + 1) / k);
        var result = new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-14, 10, 10_000).FindMinimum(ObjectiveFunction.Gradient(Objective), start);
        // Measured: relative differences 2e-4 (40 intervals, the midpoint rule's O(Δ²) error).
        Assert.Equal(shooting, result.FunctionInfoAtMinimum.Value, 1e-3 * shooting);
    }

    private static double Legendre(IIncrementLaw law, double m, double v)
    {
        double lo = -1, hi = 1;
        while (law.Hp(m, lo) > v || !double.IsFinite(law.H(m, lo)))
        {
            lo = double.IsFinite(law.H(m, lo)) ? lo * 2 : lo / 2;
        }

        while (double.IsFinite(law.H(m, hi)) && law.Hp(m, hi) < v)
        {
            hi *= 2;
        }

        for (int i = 0; i < 200; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (double.IsFinite(law.H(m, mid)) && law.Hp(m, mid) < v)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
