"""GAN steps and VAE batches of lessons 44–45, in their own process (``bench/generative.py``).

Argument (JSON): ``{"side": "pynet" | "torch", "what": "gan" | "vae", "data": "<npz with x
(n, 28, 28, 1) float32 in [0, 1]>", "steps": n, "seed": 0}``. The process builds the model,
warms up on two steps, then times ``steps`` steps and prints ``{"seconds": total, "per_step": s,
"loss": last loss, "params": n}``.

* ``gan``: the lesson's generator and discriminator (listings 8.29–8.30 at 28×28×1, filter counts
  / 8), one step = listing 8.32 — generate 20 images, train the discriminator on 40 (RMSprop
  0.0008, clipvalue 1), train the generator through the frozen discriminator (RMSprop 0.0004,
  clipvalue 1). PyTorch: the same layers (LeakyReLU slope 0.3, Keras's 'same' paddings), the same
  optimizers and clipping (``clip_grad_value_``).
* ``vae``: the lesson's VAE (listings 8.23–8.26), batches of 16 (RMSprop 0.001), loss = pixel-mean
  binary cross-entropy + 5e-4-weighted KL; the timed steps walk through ``data`` in order.
"""
from __future__ import annotations

import time

import numpy as np

from bench.harness import peer_main

BATCH_GAN, BATCH_VAE, LATENT_GAN = 20, 16, 32


def _lesson(stem):
    from pynet.lessons import load_lesson
    return load_lesson(stem)


def pynet_gan(x, steps, seed):
    from pynet.generative import train_gan_step
    from pynet.utils import set_seed
    set_seed(seed)
    generator, discriminator, gan = _lesson("45_gan").build_gan()
    rng = np.random.default_rng(seed)

    def step(i):
        s = (i * BATCH_GAN) % (len(x) - BATCH_GAN)
        return train_gan_step(generator, discriminator, gan, x[s:s + BATCH_GAN], rng)

    for i in range(2):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        out = step(i)
    seconds = time.perf_counter() - start
    return seconds, float(out.a_loss), generator.count_params() + discriminator.count_params()


def pynet_vae(x, steps, seed):
    from pynet.utils import set_seed
    set_seed(seed)
    vae, _, _ = _lesson("44_vae").build_vae(seed=seed)
    for i in range(2):
        vae.train_on_batch(x[:BATCH_VAE], x[:BATCH_VAE])
    start = time.perf_counter()
    for i in range(steps):
        s = (i * BATCH_VAE) % (len(x) - BATCH_VAE)
        loss = vae.train_on_batch(x[s:s + BATCH_VAE], x[s:s + BATCH_VAE])
    return time.perf_counter() - start, float(loss), vae.count_params()


def torch_gan(x, steps, seed):
    import torch
    nn = torch.nn
    torch.manual_seed(seed)
    slope = 0.3                                  # Keras's LeakyReLU default

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(LATENT_GAN, 16 * 14 * 14)
            self.body = nn.Sequential(
                nn.LeakyReLU(slope), nn.Conv2d(16, 32, 5, padding=2), nn.LeakyReLU(slope),
                # Keras 'same' with stride 2: (14 − 1)·2 − 2·1 + 4 = 28
                nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1), nn.LeakyReLU(slope),
                nn.Conv2d(32, 32, 5, padding=2), nn.LeakyReLU(slope),
                nn.Conv2d(32, 32, 5, padding=2), nn.LeakyReLU(slope),
                nn.Conv2d(32, 1, 7, padding=3), nn.Tanh())

        def forward(self, z):
            return self.body(nn.functional.leaky_relu(self.dense(z), slope).view(-1, 16, 14, 14))

    discriminator = nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.LeakyReLU(slope),
        nn.Conv2d(16, 16, 4, stride=2), nn.LeakyReLU(slope),
        nn.Conv2d(16, 16, 4, stride=2), nn.LeakyReLU(slope),
        nn.Conv2d(16, 16, 4, stride=2), nn.LeakyReLU(slope),
        nn.Flatten(), nn.Dropout(0.4), nn.Linear(16, 1), nn.Sigmoid())
    generator = Generator()
    d_opt = torch.optim.RMSprop(discriminator.parameters(), lr=0.0008, alpha=0.9, eps=1e-7)
    g_opt = torch.optim.RMSprop(generator.parameters(), lr=0.0004, alpha=0.9, eps=1e-7)
    def bce(p, y):
        """Keras's binary cross-entropy (PyTorch's BCELoss refuses the book's noisy labels > 1)."""
        p = p.clamp(1e-7, 1 - 1e-7)
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()

    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    gen = torch.Generator().manual_seed(seed)

    def step(i):
        s = (i * BATCH_GAN) % (len(x) - BATCH_GAN)
        real = xt[s:s + BATCH_GAN]
        with torch.no_grad():
            fake = generator(torch.randn(BATCH_GAN, LATENT_GAN, generator=gen))
        labels = torch.cat([torch.ones(BATCH_GAN, 1), torch.zeros(BATCH_GAN, 1)])
        labels = labels + 0.05 * torch.rand(labels.shape, generator=gen)
        d_opt.zero_grad()
        d_loss = bce(discriminator(torch.cat([fake, real])), labels)
        d_loss.backward()
        nn.utils.clip_grad_value_(discriminator.parameters(), 1.0)
        d_opt.step()
        g_opt.zero_grad()
        discriminator.zero_grad()
        a_loss = bce(discriminator(generator(torch.randn(BATCH_GAN, LATENT_GAN, generator=gen))),
                     torch.zeros(BATCH_GAN, 1))
        a_loss.backward()
        nn.utils.clip_grad_value_(generator.parameters(), 1.0)
        g_opt.step()
        return float(a_loss)

    for i in range(2):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    seconds = time.perf_counter() - start
    params = sum(p.numel() for m in (generator, discriminator) for p in m.parameters())
    return seconds, loss, params


def torch_vae(x, steps, seed):
    import torch
    nn = torch.nn
    torch.manual_seed(seed)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
                nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),  # 'same'
                nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                nn.Flatten(), nn.Linear(14 * 14 * 64, 32), nn.ReLU())
            self.z_mean, self.z_log_var = nn.Linear(32, 2), nn.Linear(32, 2)
            self.dense = nn.Linear(2, 14 * 14 * 64)
            self.decoder = nn.Sequential(
                nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid())

        def forward(self, t):
            h = self.encoder(t)
            mean, log_var = self.z_mean(h), self.z_log_var(h)
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            out = self.decoder(torch.relu(self.dense(z)).view(-1, 64, 14, 14))
            return out, mean, log_var

    net = VAE()
    opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    def step(i):
        s = (i * BATCH_VAE) % (len(x) - BATCH_VAE)
        batch = xt[s:s + BATCH_VAE]
        opt.zero_grad()
        out, mean, log_var = net(batch)
        kl = -5e-4 * torch.mean(1 + log_var - mean ** 2 - torch.exp(log_var), dim=-1)
        loss = nn.functional.binary_cross_entropy(out, batch) + kl.mean()
        loss.backward()
        opt.step()
        return float(loss)

    for i in range(2):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    return time.perf_counter() - start, loss, sum(p.numel() for p in net.parameters())


def run(args: dict) -> dict:
    x = np.load(args["data"])["x"]
    steps, seed, what = int(args["steps"]), int(args.get("seed", 0)), args["what"]
    if args["side"] == "torch":
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            return {"unavailable": f"PyTorch not installed ({exc})"}
        seconds, loss, params = (torch_gan if what == "gan" else torch_vae)(x, steps, seed)
    else:
        seconds, loss, params = (pynet_gan if what == "gan" else pynet_vae)(x, steps, seed)
    return {"seconds": seconds, "per_step": seconds / steps, "loss": loss, "params": int(params)}


if __name__ == "__main__":
    peer_main(run)
