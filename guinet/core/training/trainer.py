"""The training loop: fast, Qt-free, driven by callbacks and a control object.

What makes it fast is what it does *not* do per batch:

* the data is already on the device (:meth:`PreparedData.tensors`); each
  epoch shuffles it once with a seeded ``randperm`` and batches are slices
  (no ``DataLoader``, no per-sample Python);
* batch losses and outputs stay on the device; loss and metrics are summed
  and read back once per epoch (plus one scalar every ``check_every`` batches
  to catch a diverging loss early);
* nothing per batch unless a callback overrides ``on_batch_end``;
* small models train on one CPU thread (thread hand-offs cost more than the
  arithmetic); the previous thread count is restored afterwards.

The trainer has no threads of its own: the GUI runs :meth:`Trainer.fit` in
a worker thread and steers it through a :class:`TrainingControl`: stop,
pause, a pace (seconds an epoch takes at least) and single steps, all on a
slow path (:meth:`Trainer._hold`) taken only while its one flag is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch

from guinet.core.training.build import LRSchedule, Metric
from guinet.core.training.callbacks import BestWeights, Callback, History, Logs
from guinet.core.training.control import StepReport, TrainingControl
from guinet.core.training.errors import TrainingError, TrainingFailed
from guinet.core.training.fastpath import (
    SMALL_WORK,
    FlatParameters,
    multiply_adds,
    plain_forward,
)

if TYPE_CHECKING:
    from guinet.core.data import DataTensors

#: Shuffle the whole training set once per epoch (one gather) when it is
#: smaller than this; bigger sets gather each batch instead, so training never
#: holds a second, shuffled copy of a big training set.
PRESHUFFLE_BYTES = 1 << 25
#: Validation and test batches hold about this many input values (their
#: activations, not the data, are what evaluation adds to memory).
EVAL_VALUES = 1 << 18
#: Keep an epoch's outputs for the metric when they take less than this;
#: otherwise the metric is summed batch by batch.
STASH_BYTES = 1 << 28

STOP_REASONS = ("completed", "stopped", "early_stopping", "non_finite", "error")


class Trainer:
    """Trains ``model`` on tensors already on one device; reports to callbacks.

    ``model`` is the graph that is trained (the caller leaves out a final
    activation the loss applies itself). ``metric`` adds ``accuracy`` or
    ``mae`` (and ``val_*``) to the logs. ``monitor`` chooses the epoch whose
    weights :attr:`best` keeps; a NaN loss goes back to them. ``seed`` seeds
    the batch order only: seed torch before building the model for
    reproducible weights. ``flat``: the model's parameters flattened for an
    optimizer over ``[flat.param]`` (see :func:`~.build.make_optimizer`).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        loss_fn: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        data: DataTensors,
        *,
        batch_size: int,
        epochs: int,
        schedule: LRSchedule | None = None,
        metric: Metric | None = None,
        callbacks: Sequence[Callback] = (),
        control: TrainingControl | None = None,
        seed: int | None = 0,
        monitor: str = "val_loss",
        num_threads: int | None = None,
        check_every: int = 64,
        flat: FlatParameters | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        n = int(data.x_train.shape[0])
        if n == 0:
            raise TrainingError(
                "the training split is empty; there is nothing to learn from"
            )
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.data = data
        self.device = data.x_train.device
        self.batch_size = batch_size
        self.epochs = epochs
        self.schedule = schedule
        self.flat = flat
        self.metric = metric
        self.control = control if control is not None else TrainingControl()
        self.history = History()
        self.best = BestWeights(monitor)
        self.callbacks = list(callbacks)
        self.check_every = max(1, check_every)
        self.notes: list[str] = []
        self.generator = torch.Generator()
        if seed is None:
            self.generator.seed()
        else:
            self.generator.manual_seed(seed)
        self.num_threads = num_threads
        self.start_epoch = 0
        self.epoch = 0
        self.epochs_run = 0
        self.stop_reason = "completed"
        self.message: str | None = None
        #: Wall time of the epochs trained (seconds, pauses left out): from
        #: the start of the first epoch to the end of the run's callbacks, so
        #: whatever they cost (checkpoints, logging) counts; see
        #: :attr:`samples_per_sec`.
        self.train_time = 0.0
        self.train_samples = 0
        self._mark = 0.0
        self._stop_reason: str | None = None
        self._initial: dict[str, torch.Tensor] | None = None
        self._step_before: dict[str, float] | None = None  # an epoch step's start

        # Batch bounds, once. A last batch of one sample breaks BatchNorm in
        # training mode, so such a sample sits out (a different one each epoch).
        self.n_train = n
        if n % batch_size == 1 and n > 1 and _has_batchnorm(model):
            n -= 1
            self.notes.append(
                "One training sample is left out of each epoch (a different one "
                "each time): a last batch of a single sample breaks BatchNorm."
            )
        self.n_used = n
        self._bounds = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
        self.batches_per_epoch = len(self._bounds)
        self._weights = torch.tensor(
            [stop - start for start, stop in self._bounds],
            dtype=torch.float32,
            device=self.device,
        )
        row_bytes = data.x_train[:1].numel() * data.x_train.element_size()
        self._preshuffle = row_bytes * n <= PRESHUFFLE_BYTES
        values = max(1, data.x_train[:1].numel())
        self.eval_batch_size = max(batch_size, EVAL_VALUES // values)

    # -- the public API -----------------------------------------------------------
    @property
    def all_callbacks(self) -> list[Callback]:
        """History and best-weights first, so user callbacks see them updated."""
        return [self.history, self.best, *self.callbacks]

    @property
    def samples_per_sec(self) -> float:
        """Training samples per second of :attr:`train_time` (wall time)."""
        return self.train_samples / self.train_time if self.train_time > 0 else 0.0

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def stop(self, reason: str = "early_stopping", message: str | None = None) -> None:
        """Ask the run to end after the current batch (for callbacks)."""
        self._stop_reason = reason
        if message is not None:
            self.message = message
        self.control.request_stop()

    def fit(self, start_epoch: int | None = None) -> History:
        """Train from ``start_epoch`` (default: :attr:`start_epoch`) to ``epochs``.

        Returns the history. A NaN loss or a stop request ends the run
        normally (see :attr:`stop_reason` and :attr:`message`); any other
        error reaches ``on_exception`` and is raised as :class:`TrainingFailed`.
        ``on_fit_end`` runs in every case.
        """
        if start_epoch is not None:
            self.start_epoch = start_epoch
        self.epochs_run = 0
        self.stop_reason = "completed"
        self._stop_reason = None
        threads = torch.get_num_threads()
        wanted = self.thread_count()
        callbacks = self.all_callbacks
        try:
            if wanted != threads:
                torch.set_num_threads(wanted)
            self._initial = _snapshot(self.model)
            for cb in callbacks:
                cb.on_fit_start(self)
            self._mark = time.perf_counter()
            self._step_before = None
            if self.control.interrupted:
                self.control.mark_start()
                if self.control.stepping == "epoch":
                    self._step_before = self._losses_now()
            for epoch in range(self.start_epoch, self.epochs):
                if self.control.stop_requested:
                    break
                self.epoch = epoch
                for cb in callbacks:
                    cb.on_epoch_start(self, epoch)
                logs = self._train_epoch(epoch, callbacks)
                if logs is None:  # stopped or diverged mid-epoch
                    break
                if self.schedule is not None:
                    self.schedule.step_epoch(logs)
                self.epochs_run += 1
                self.start_epoch = epoch + 1
                for cb in callbacks:
                    cb.on_epoch_end(self, epoch, logs)
                if self.control.interrupted and self._hold(epoch, None):
                    break
        except Exception as exc:
            self.stop_reason = "error"
            self.message = _failure_message(exc, self)
            for cb in callbacks:
                cb.on_exception(self, exc)
            raise TrainingFailed(self.message) from exc
        except BaseException as exc:  # KeyboardInterrupt, SystemExit
            self.stop_reason = "stopped"
            for cb in callbacks:
                cb.on_exception(self, exc)
            raise
        else:
            if self.stop_reason == "completed" and self.control.stop_requested:
                self.stop_reason = self._stop_reason or "stopped"
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            self._initial = None
            for cb in callbacks:
                cb.on_fit_end(self)
            if self.epochs_run:  # the last epoch's callbacks and the run's end
                self.train_time += time.perf_counter() - self._mark
        return self.history

    @torch.inference_mode()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor, prefix: str = "") -> Logs:
        """Loss and metric over ``x``/``y`` in large batches, without gradients."""
        n = int(x.shape[0])
        if n == 0:
            return {}
        loss_sum, metric_sum, count = self._evaluate_sums(x, y)
        values = torch.stack([loss_sum, metric_sum]).tolist()
        logs = {f"{prefix}loss": values[0] / n}
        if self.metric is not None:
            logs[f"{prefix}{self.metric.name}"] = values[1] / count
        return logs

    # -- resume support -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs: tensors and JSON values only."""
        return {
            "epoch": self.start_epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.schedule.state_dict() if self.schedule else None,
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "callbacks": {cb.state_key: cb.state_dict() for cb in self.all_callbacks},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue where :meth:`state_dict` left off (the next :meth:`fit`)."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(
            _fit_layout(state["optimizer"], self.optimizer, self.model)
        )
        if self.schedule is not None and state.get("scheduler") is not None:
            self.schedule.load_state_dict(state["scheduler"])
        self.generator.set_state(state["generator"])
        if state.get("torch_rng") is not None:
            torch.set_rng_state(state["torch_rng"])
        saved = state.get("callbacks", {})
        for cb in self.all_callbacks:
            if cb.state_key in saved:
                cb.load_state_dict(saved[cb.state_key])
        self.start_epoch = int(state["epoch"])

    # -- one epoch ------------------------------------------------------------------
    def _train_epoch(self, epoch: int, callbacks: list[Callback]) -> Logs | None:
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        forward = plain_forward(model)
        clear = (
            self.flat.zero_grad if self.flat is not None else _set_to_none(optimizer)
        )
        control = self.control
        hooks = [cb for cb in callbacks if _overrides(cb, "on_batch_end")]
        batch_step = (
            self.schedule.scheduler.step
            if self.schedule is not None and self.schedule.interval == "batch"
            else None
        )
        check_every = self.check_every
        n = self.n_used
        x, y = self.data.x_train, self.data.y_train
        order = torch.randperm(self.n_train, generator=self.generator)
        if n != self.n_train:
            order = order[:n]
        order = order.to(self.device, non_blocking=True)
        gather = not self._preshuffle
        if not gather:
            x, y = x[order], y[order]
        metric = self.metric
        losses: list[torch.Tensor] = []
        # the epoch's outputs for the metric, in one buffer (a tensor per batch
        # would scatter small blocks over the heap and keep its pages alive)
        outputs: torch.Tensor | None = None
        metric_sum = torch.zeros((), device=self.device)
        stash: bool | None = None
        model.train()
        for index, (start, stop) in enumerate(self._bounds):
            if gather:
                rows = order[start:stop]
                xb, yb = x[rows], y[rows]
            else:
                xb, yb = x[start:stop], y[start:stop]
            clear()
            out = forward(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            if batch_step is not None:
                batch_step()
            loss = loss.detach()
            losses.append(loss)
            if metric is not None:
                if stash is None:
                    stash = out[:1].numel() * out.element_size() * n <= STASH_BYTES
                if stash:
                    if outputs is None:
                        outputs = out.new_empty((n, *out.shape[1:]))
                    outputs[start:stop] = out.detach()
                else:
                    metric_sum += metric.total(out.detach(), yb)
            for cb in hooks:
                cb.on_batch_end(self, epoch, index, loss)
            if control.interrupted and self._hold(epoch, index, xb, yb, loss):
                return None
            if index % check_every == check_every - 1 and not math.isfinite(
                loss.item()
            ):
                self._diverged(epoch, index)
                return None

        # One read-back for the epoch: the loss and the metric sums.
        loss_sum = torch.dot(torch.stack(losses).float(), self._weights)
        count = 1
        if metric is not None:
            targets = y[order] if gather else y
            if outputs is not None:
                metric_sum = metric.total(outputs, targets).float()
            count = metric.count(targets)
        train_loss, train_metric = torch.stack([loss_sum, metric_sum]).tolist()
        if not math.isfinite(train_loss):
            self._diverged(epoch, len(self._bounds) - 1)
            return None
        logs: Logs = {"epoch": epoch + 1, "loss": train_loss / n}
        if self.metric is not None:
            logs[self.metric.name] = train_metric / count
        logs.update(self.evaluate(self.data.x_val, self.data.y_val, prefix="val_"))
        logs["lr"] = self.lr
        # Wall time since the previous epoch's logs: its callbacks (saving a
        # checkpoint, drawing) count, pauses do not.
        now = time.perf_counter()
        wall = now - self._mark
        self._mark = now
        self.train_time += wall
        self.train_samples += n
        logs["samples_per_sec"] = n / wall if wall > 0 else 0.0
        logs["time"] = wall
        return logs

    def _hold(
        self,
        epoch: int,
        batch: int | None,
        xb: torch.Tensor | None = None,
        yb: torch.Tensor | None = None,
        loss: torch.Tensor | None = None,
    ) -> bool:
        """The slow path between batches (``batch``) or after an epoch's
        callbacks (``None``): pace, finish a step, hold while paused. Returns
        whether to stop. The time held is left out of the wall time."""
        control = self.control
        started = time.perf_counter()
        try:
            if batch is None:
                done = control.after_epoch()
            else:
                done = control.after_batch(self.batches_per_epoch)
            if done is not None:
                self._report_step(done, epoch, batch, xb, yb, loss)
            stop = control.wait_if_paused()
            if not stop and control.stepping == "epoch" and self._step_before is None:
                self._step_before = self._losses_now()  # where an epoch step starts
            return stop
        finally:
            self._mark += time.perf_counter() - started

    def _report_step(
        self,
        kind: str,
        epoch: int,
        batch: int | None,
        xb: torch.Tensor | None,
        yb: torch.Tensor | None,
        loss: torch.Tensor | None,
    ) -> None:
        if kind == "batch" and xb is not None and yb is not None and loss is not None:
            before = {"loss": float(loss)}
            after = {"loss": self._batch_loss(xb, yb)}
        else:
            before = self._step_before or {}
            after = self._losses_now()
        self._step_before = None
        report = StepReport(kind, epoch, batch, before, after)
        for cb in self.all_callbacks:
            cb.on_step_end(self, report)

    @torch.inference_mode()
    def _batch_loss(self, xb: torch.Tensor, yb: torch.Tensor) -> float:
        """The loss on one batch with the weights as they are (evaluation mode:
        no dropout, BatchNorm's running statistics)."""
        model = self.model
        was_training = model.training
        model.eval()
        try:
            return float(self.loss_fn(model(xb), yb))
        finally:
            model.train(was_training)

    def _losses_now(self) -> dict[str, float]:
        """Training and validation loss of the weights as they are now."""
        losses = {"loss": self.evaluate(self.data.x_train, self.data.y_train)["loss"]}
        val = self.evaluate(self.data.x_val, self.data.y_val, prefix="val_")
        if "val_loss" in val:
            losses["val_loss"] = val["val_loss"]
        return losses

    def _evaluate_sums(
        self, x: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, int]:
        model, loss_fn, metric = self.model, self.loss_fn, self.metric
        was_training = model.training
        model.eval()
        loss_sum = torch.zeros((), device=self.device)
        metric_sum = torch.zeros((), device=self.device)
        count = 0
        step = self.eval_batch_size
        try:
            for start in range(0, int(x.shape[0]), step):
                xb, yb = x[start : start + step], y[start : start + step]
                out = model(xb)
                loss_sum += loss_fn(out, yb).float() * xb.shape[0]
                if metric is not None:
                    metric_sum += metric.total(out, yb).float()
                    count += metric.count(yb)
        finally:
            model.train(was_training)
        return loss_sum, metric_sum, max(count, 1)

    # -- helpers -----------------------------------------------------------------------
    def _diverged(self, epoch: int, batch: int) -> None:
        """A NaN/inf loss: stop, go back to the best (or initial) weights, explain."""
        self.stop_reason = "non_finite"
        self._stop_reason = "non_finite"
        if self.best.restore(self.model):
            kept = (
                f"kept the weights of epoch {(self.best.best_epoch or 0) + 1}, the "
                f"best {self.best.monitor} so far"
            )
        else:
            if self._initial is not None:
                self.model.load_state_dict(self._initial)
            kept = "went back to the initial weights"
        self.message = (
            f"The loss became NaN or infinite in epoch {epoch + 1} (by batch "
            f"{batch + 1} of {self.batches_per_epoch}), so training stopped and "
            f"{kept}. Try a lower learning rate (now {self.lr:g}), or scale the "
            "inputs (data scaling: standard)."
        )
        self.control.request_stop()

    def thread_count(self) -> int:
        """The CPU threads :meth:`fit` trains with: one when a batch is so small
        that handing work to other threads costs more than it saves."""
        current = torch.get_num_threads()
        if self.num_threads is not None:
            return max(1, self.num_threads)
        if self.device.type != "cpu":
            return current
        work = multiply_adds(self.model, self.data.x_train[:1]) * self.batch_size
        return 1 if work <= SMALL_WORK else current


def _fit_layout(
    saved: dict[str, Any], optimizer: torch.optim.Optimizer, model: torch.nn.Module
) -> dict[str, Any]:
    """``saved`` optimizer state in this optimizer's layout: a state saved over
    one flat parameter (:class:`FlatParameters`) is split over the model's
    parameters, and the other way round (a checkpoint from a CPU run resumed
    on a GPU, or from before big models stopped being flattened)."""
    groups, own = saved.get("param_groups", []), optimizer.param_groups
    if len(groups) != 1 or len(own) != 1:
        return saved
    n_saved, n_own = len(groups[0]["params"]), len(own[0]["params"])
    if n_saved == n_own or 1 not in (n_saved, n_own):
        return saved
    params = [p for p in model.parameters() if p.requires_grad]
    sizes = [p.numel() for p in params]
    if len(params) != max(n_saved, n_own):
        return saved
    total = sum(sizes)
    old = saved.get("state", {})
    state: dict[int, dict[str, Any]] = {}
    if n_saved == 1:  # flat -> one entry per parameter
        flat = old.get(0, old.get("0", {}))
        for i, p in enumerate(params):
            state[i] = {
                key: (
                    value.reshape(-1)[sum(sizes[:i]) : sum(sizes[: i + 1])]
                    .reshape(p.shape)
                    .clone()
                    if isinstance(value, torch.Tensor)
                    and value.dim() == 1
                    and value.numel() == total
                    else _own(value)  # a step count each, not one shared
                )
                for key, value in flat.items()
            }
    else:  # one entry per parameter -> flat
        parts = [old.get(i, old.get(str(i))) or {} for i in range(n_saved)]
        if all(parts):
            first = parts[0]
            state[0] = {
                key: (
                    torch.cat([part[key].reshape(-1) for part in parts])
                    if isinstance(value, torch.Tensor)
                    and value.dim() > 0
                    and value.shape == params[0].shape
                    else value
                )
                for key, value in first.items()
            }
    group = dict(groups[0], params=list(range(n_own)))
    return {"state": state, "param_groups": [group]}


def _own(value: Any) -> Any:
    return value.clone() if isinstance(value, torch.Tensor) else value


def _set_to_none(optimizer: torch.optim.Optimizer) -> Callable[[], None]:
    def clear() -> None:
        optimizer.zero_grad(set_to_none=True)

    return clear


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _has_batchnorm(model: torch.nn.Module) -> bool:
    return any(
        isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules()
    )


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _failure_message(exc: Exception, trainer: Trainer) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    where = f"in epoch {trainer.epoch + 1}"
    if isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text:
        return (
            f"training ran out of device memory {where}: lower the batch size or "
            "use a smaller model"
        )
    name = type(exc).__name__
    return (
        f"training failed {where}: {name}: {text}"
        if text
        else f"training failed {where}: {name}"
    )
