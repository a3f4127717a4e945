// Native reference: the engine's two-layer SGD step (mmn-isotropic, the ramp of MMN figure 1) written the
// way an HPC programmer writes it in a day, in plain C++ without intrinsics. The bench compiles it with
// g++ -O3 -march=native (bench/References.cs) and runs it in its own process on one thread.
//
// One fused pass per step (docs/performance.md, "What one step does"): from the pre-activations u = W x_k,
// take h = σ(u), σ'(u), ŷ = (1/N) Σ h_i, r = y_k − ŷ; then for each neuron i update the row,
// w_i += 2 ε r σ'(u_i) x_k (skipped when σ'(u_i) = 0, the flat parts of the ramp), and take its inner
// product with the next sample, u_i = ⟨w_i, x_{k+1}⟩, while the row is in L1. Samples come from the case's
// data law, drawn one per step inside the timed loop with xoshiro256** and Box–Muller as the engine draws
// them; the weights start from the engine's law.
//
// The inner product comes in two forms (--sums): 1, one running sum, the plain loop (g++ without
// -ffast-math may not reorder it, so it stays a chain of scalar multiply-adds); 8, eight partial sums
// added pairwise at the end, which g++ -O3 vectorizes (one 512-bit register of doubles).
//
// Command line (same protocol as the Python references, with plain-text case files):
//   native_baseline [--sums 1|8] --cases FILE [--seconds S] [--repeats R]
//       FILE: one case a line, "name model width d dtype eps delta"; prints one JSON line with the
//       median microseconds per step (wall clock) and the processor time per step of each case
//       (progress on stderr).
//   native_baseline [--sums 1|8] --verify DIR [--tag TAG]
//       DIR/verify.txt: one case a line, "name model width d dtype eps delta steps"; for each
//       mmn-isotropic case reads DIR/NAME.w.bin (N x d), NAME.x.bin (steps x d), NAME.y.bin (steps),
//       runs the steps in float64 and writes DIR/NAME.TAG.w.bin (little-endian float64; TAG native).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The ramp of MMN figure 1 (common.py's RAMP).
constexpr double T1 = 0.5, T2 = 1.5, S1 = -2.5, S2 = 7.5, SLOPE = (S2 - S1) / (T2 - T1);

struct Case {
    std::string name, model, dtype;
    int width = 0, d = 0;
    double eps = 0, delta = 0;
    long steps = 0;
};

// xoshiro256** with SplitMix64 seeding and Box–Muller Gaussians (the second of each pair cached).
struct Rng {
    uint64_t s[4];
    bool has_spare = false;
    double spare = 0;

    explicit Rng(uint64_t seed) {
        for (auto& w : s) {
            seed += 0x9E3779B97F4A7C15ULL;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            w = z ^ (z >> 31);
        }
    }
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t next() {
        uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
        return result;
    }
    double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
    double sign() { return (next() >> 63) == 0 ? 1.0 : -1.0; }
    double gaussian() {
        if (has_spare) { has_spare = false; return spare; }
        double u1 = ((next() >> 11) + 1) * (1.0 / 9007199254740992.0), u2 = uniform();
        double radius = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * M_PI * u2;
        spare = radius * std::sin(angle);
        has_spare = true;
        return radius * std::cos(angle);
    }
};

template <typename T>
T* aligned_array(size_t count) {
    size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
    T* p = static_cast<T*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
    std::memset(p, 0, bytes == 0 ? 64 : bytes);
    return p;
}

template <typename T>
inline T dot1(const T* a, const T* b, int d) {
    T sum = 0;
    for (int j = 0; j < d; j++) sum += a[j] * b[j];
    return sum;
}

template <typename T>
inline T dot8(const T* a, const T* b, int d) {
    T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int j = 0;
    for (; j + 8 <= d; j += 8)
        for (int l = 0; l < 8; l++) acc[l] += a[j + l] * b[j + l];
    for (; j < d; j++) acc[j & 7] += a[j] * b[j];
    return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

// The mmn-isotropic network: N rows of d weights, output ŷ = (1/N) Σ σ(⟨w_i, x⟩), only w trained.
template <typename T, int Sums>
struct Isotropic {
    static T dot(const T* a, const T* b, int d) { return Sums == 8 ? dot8(a, b, d) : dot1(a, b, d); }

    int n, d;
    double eps;
    T* w;   // n x d, rows contiguous, 64-byte aligned
    T* u;   // pre-activations for the current sample
    T* g;   // σ'(u)
    T* x;   // current sample
    T* xn;  // next sample

    Isotropic(int n_, int d_, double eps_) : n(n_), d(d_), eps(eps_) {
        w = aligned_array<T>(size_t(n) * d);
        u = aligned_array<T>(n);
        g = aligned_array<T>(n);
        x = aligned_array<T>(d);
        xn = aligned_array<T>(d);
    }
    ~Isotropic() { std::free(w); std::free(u); std::free(g); std::free(x); std::free(xn); }

    void forward_all() {
        for (int i = 0; i < n; i++) u[i] = dot(w + size_t(i) * d, x, d);
    }

    // One step on sample (x, y); next (may be null at the end of a stored stream) is the next sample.
    void step(double y, const T* next) {
        T sum = 0;
        for (int i = 0; i < n; i++) {
            T z = u[i];
            T h = z <= T(T1) ? T(S1) : (z >= T(T2) ? T(S2) : T(S1) + T(SLOPE) * (z - T(T1)));
            g[i] = (z > T(T1) && z < T(T2)) ? T(SLOPE) : T(0);
            sum += h;
        }
        T coef = T(2.0 * eps * (y - double(sum) / n));
        for (int i = 0; i < n; i++) {
            T* row = w + size_t(i) * d;
            T a = coef * g[i];
            if (a != T(0))
                for (int j = 0; j < d; j++) row[j] += a * x[j];
            if (next != nullptr) u[i] = dot(row, next, d);
        }
    }
};

void sample(Rng& rng, double delta, double* y, double* buffer, int d) {
    *y = rng.sign();
    double scale = 1.0 + *y * delta;
    for (int j = 0; j < d; j++) buffer[j] = scale * rng.gaussian();
}

double thread_seconds() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Timing {
    double us, cpu_us;
    long count;
};

// Median microseconds per step over `repeats` runs of about `seconds` each, after a warm-up (common.py's
// protocol), and the processor time of this thread per step over all timed runs.
template <typename T, int Sums>
Timing time_case(const Case& c, double seconds, int repeats) {
    Rng rng(1);
    Isotropic<T, Sums> net(c.width, c.d, c.eps);
    double scale = 0.8 / std::sqrt(double(c.d));  // the preset's law: w ~ N(0, κ²/d), κ = 0.8
    for (size_t k = 0; k < size_t(c.width) * c.d; k++) net.w[k] = T(scale * rng.gaussian());
    std::vector<double> buffer(c.d);
    double y, yn;
    sample(rng, c.delta, &y, buffer.data(), c.d);
    for (int j = 0; j < c.d; j++) net.x[j] = T(buffer[j]);
    net.forward_all();

    auto steps = [&](long count) {
        for (long k = 0; k < count; k++) {
            sample(rng, c.delta, &yn, buffer.data(), c.d);
            for (int j = 0; j < c.d; j++) net.xn[j] = T(buffer[j]);
            net.step(y, net.xn);
            std::swap(net.x, net.xn);
            y = yn;
        }
    };
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    steps(64);
    double per_step = std::max(std::chrono::duration<double>(clock::now() - start).count() / 64, 1e-8);
    long count = std::max(64L, long(seconds / per_step));
    steps(std::min(count, 4096L));  // warm-up
    std::vector<double> times;
    double cpu0 = thread_seconds();
    for (int r = 0; r < repeats; r++) {
        auto t0 = clock::now();
        steps(count);
        times.push_back(std::chrono::duration<double>(clock::now() - t0).count() / count * 1e6);
    }
    double cpu = (thread_seconds() - cpu0) / (double(count) * repeats) * 1e6;
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], cpu, count};
}

template <typename T>
Timing time_case(const Case& c, double seconds, int repeats, int sums) {
    return sums == 8 ? time_case<T, 8>(c, seconds, repeats) : time_case<T, 1>(c, seconds, repeats);
}

std::vector<double> read_doubles(const std::string& path, size_t expected) {
    std::ifstream f(path, std::ios::binary);
    std::vector<double> v(expected);
    if (!f.read(reinterpret_cast<char*>(v.data()), std::streamsize(expected * sizeof(double)))) {
        std::fprintf(stderr, "could not read %zu values from %s\n", expected, path.c_str());
        std::exit(1);
    }
    return v;
}

template <int Sums>
void verify(const Case& c, const std::string& folder, const std::string& tag) {
    std::string base = folder + "/" + c.name;
    size_t nd = size_t(c.width) * c.d;
    std::vector<double> w0 = read_doubles(base + ".w.bin", nd), xs = read_doubles(base + ".x.bin", size_t(c.steps) * c.d),
                        ys = read_doubles(base + ".y.bin", size_t(c.steps));
    Isotropic<double, Sums> net(c.width, c.d, c.eps);
    std::copy(w0.begin(), w0.end(), net.w);
    std::copy(xs.begin(), xs.begin() + c.d, net.x);
    net.forward_all();
    for (long k = 0; k < c.steps; k++) {
        std::copy(xs.begin() + k * c.d, xs.begin() + (k + 1) * c.d, net.x);
        net.step(ys[k], k + 1 < c.steps ? xs.data() + (k + 1) * c.d : nullptr);
    }
    std::ofstream out(base + "." + tag + ".w.bin", std::ios::binary);
    out.write(reinterpret_cast<const char*>(net.w), std::streamsize(nd * sizeof(double)));
}

std::vector<Case> read_cases(const std::string& path, bool with_steps) {
    std::ifstream f(path);
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        std::exit(2);
    }
    std::vector<Case> cases;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty()) continue;
        std::istringstream s(line);
        Case c;
        s >> c.name >> c.model >> c.width >> c.d >> c.dtype >> c.eps >> c.delta;
        if (with_steps) s >> c.steps;
        if (!s || c.width < 1 || c.d < 1) {
            std::fprintf(stderr, "bad case line in %s: %s\n", path.c_str(), line.c_str());
            std::exit(2);
        }
        cases.push_back(c);
    }
    return cases;
}

const char* arg(int argc, char** argv, const char* name, const char* fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

}  // namespace

int main(int argc, char** argv) {
    const char* version = "g++ " __VERSION__ " -O3 -march=native";
    int sums = std::atoi(arg(argc, argv, "--sums", "1"));
    if (sums != 1 && sums != 8) {
        std::fprintf(stderr, "--sums: %d is not allowed; expected 1 or 8\n", sums);
        return 2;
    }
    if (const char* folder = arg(argc, argv, "--verify", nullptr)) {
        std::string tag = arg(argc, argv, "--tag", "native");
        for (const Case& c : read_cases(std::string(folder) + "/verify.txt", true))
            if (c.model == "mmn-isotropic") sums == 8 ? verify<8>(c, folder, tag) : verify<1>(c, folder, tag);
        std::printf("{\"library\": \"%s\", \"version\": \"%s\", \"verified\": true}\n", tag.c_str(), version);
        return 0;
    }
    const char* file = arg(argc, argv, "--cases", nullptr);
    if (file == nullptr) {
        std::fprintf(stderr, "usage: native_baseline --cases FILE [--seconds S] [--repeats R] | --verify DIR\n");
        return 2;
    }
    double seconds = std::atof(arg(argc, argv, "--seconds", "1.0"));
    int repeats = std::atoi(arg(argc, argv, "--repeats", "5"));
    std::string results;
    for (const Case& c : read_cases(file, false)) {
        if (c.model != "mmn-isotropic") {
            std::fprintf(stderr, "native_baseline implements mmn-isotropic only, not %s\n", c.model.c_str());
            return 2;
        }
        Timing t = c.dtype == "float32" ? time_case<float>(c, seconds, repeats, sums) : time_case<double>(c, seconds, repeats, sums);
        char item[512];
        std::snprintf(item, sizeof item, "%s{\"name\": \"%s\", \"us_per_step\": %.6g, \"cpu_us_per_step\": %.6g, \"steps_per_repeat\": %ld}",
                      results.empty() ? "" : ", ", c.name.c_str(), t.us, t.cpu_us, t.count);
        results += item;
        std::fprintf(stderr, "{\"progress\": \"%s\", \"us_per_step\": %.6g, \"cpu_us_per_step\": %.6g}\n", c.name.c_str(), t.us, t.cpu_us);
    }
    std::printf("{\"library\": \"native\", \"version\": \"%s\", \"results\": [%s]}\n", version, results.c_str());
    return 0;
}
