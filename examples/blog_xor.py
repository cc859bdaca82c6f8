"""The blog's XOR step with the Python API: explain it, then train the network.

    python examples/blog_xor.py

The same as ``chainrule demo``, written out: the bundled problem file
``examples/problems/blog_xor.toml`` (weights chosen by chainrule: the blog post's were lost),
its worked solution, and the network it describes trained on the four XOR patterns.
"""

import chainrule as cr
from chainrule.teach import bundled

problem = bundled("blog_xor")
print(problem.solve().to_text())

# The same network as a Sequential: one Dense layer per weight layer, initial weights from
# the file (kernel[i][j] from unit i to unit j, then the bias), online SGD with η = 0.3.
model = cr.Sequential([cr.layers.Dense(2, activation="sigmoid", input_dim=2),
                       cr.layers.Dense(1, activation="sigmoid")])
model.build(2)
model.set_weights([w for kernel, bias, _ in problem.layers for w in (kernel, bias)])
model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(learning_rate=0.3))

x, t = cr.datasets.xor()
history = model.fit(x, t, epochs=20_000, batch_size=1, shuffle=False,
                    callbacks=[cr.callbacks.StopWhenCorrect()], verbose=0)
print(f"every output correct after {len(history.epoch)} epoch(s)")
for inputs, target, output in zip(x, t, model.predict(x)):
    print(f"  x = {inputs}, t = {target[0]:g}, y = {output[0]:.4f}")

# Any later step can be explained too: here the first step of the next epoch.
print(model.explain(x[0], t[0], learning_rate=0.3).to_text())
