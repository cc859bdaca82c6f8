"""Train a small network on the two-moons data, then explain one of its training steps.

    python examples/train_moons.py

A 2-4-1 network (tanh hidden, sigmoid output, binary cross-entropy, Adam) learns to
separate two interleaved half-circles; the worked solution then shows one SGD step on one
point in the layered notation (a⁽ˡ⁾, z⁽ˡ⁾, w⁽ˡ⁾, δ⁽ˡ⁾), to two decimals.
"""

import numpy as np

import chainrule as cr

x, y = cr.datasets.moons(n=200, noise=0.1, seed=0)
model = cr.Sequential([cr.layers.Dense(4, activation="tanh", input_dim=2),
                       cr.layers.Dense(1, activation="sigmoid")], seed=0)
model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.Adam(learning_rate=0.05),
              metrics=["accuracy"])
history = model.fit(x, y, epochs=100, batch_size=16, verbose=0, seed=0)
accuracy = np.mean((model.predict(x) > 0.5) == (y > 0.5))
print(f"loss {history.history['loss'][-1]:.4f} after {len(history.epoch)} epochs; "
      f"training accuracy {accuracy:.1%}")

solution = model.explain(x[0], y[0], learning_rate=0.1, convention="layered", decimals=2)
print(solution.to_text())
