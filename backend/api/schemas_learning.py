"""Schemas of the learning API: the retrain overrides, and every answer of the AI loop's routes (so ``/docs``
covers them). The pretrain body is :class:`backend.services.learning.pretraining.PretrainParams` itself.

Positions are FITS 0-based pixels; ``class`` is a class id of the image's scheme (a string).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.api.schemas_labels import SourceSummary


class RetrainRequest(BaseModel):
    """Probe settings; omitted ones keep the newest probe's."""

    l2: float | None = Field(None, gt=0, description="L2 strength of the logistic regression")
    features: list[str] | None = Field(None, description="catalogue columns appended to the embeddings")
    pseudo: dict[str, Any] | None = Field(None, description="pseudo-label schedule {start, end, rounds, ...}")

    def overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class TaskPublic(BaseModel):
    """One task run: what was asked, how far it got, how it ended."""

    id: int
    name: str = Field(description="pretrain | embed | fit_probe | probe_accuracy | predict | sample")
    image_id: int
    status: str = Field(description="queued | running | done | failed")
    progress: float = Field(description="0..1")
    message: str
    params: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class TaskAccepted(BaseModel):
    """202: the task asked for (the same run when the same request was made on unchanged data)."""

    task: TaskPublic


class TaskList(BaseModel):
    count: int
    items: list[TaskPublic]


class TaskEvent(BaseModel):
    """A ``task`` event (and an active task of the status): small, no params or result."""

    model_config = ConfigDict(extra="allow")
    id: int
    name: str
    status: str
    progress: float
    message: str


class EncoderSummary(BaseModel):
    model_version: int
    version: int
    kind: str | None = Field(None, description="starcnet | resnet")
    steps: int | None = None
    final_loss: float | None = None
    n_cutouts: int | None = None
    created_at: datetime


class EmbeddingsSummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    model_version: int
    version: int
    n: int = Field(description="distinct embedded positions")
    dim: int
    n_sources: int | None = None


class ProbeSummary(BaseModel):
    model_version: int
    version: int
    encoder_version_id: int | None = None
    n_labels: int | None = None
    validation_accuracy: float | None = Field(None, description="5-fold cross-validated; None while pending")
    validation: str | None = Field(None, description="how it was (or will be) measured")
    n_pseudo: int | None = None
    skipped_labels: dict[str, int] | None = None
    features_only_accuracy: float | None = Field(
        None, description="the same labels and folds, a linear probe on photometric features alone")
    labels_compared: int | None = Field(None, description="labels in the largest subset of the learning curves")
    target_accuracy: float | None = Field(None, description="an accuracy both learning curves reach")
    probe_labels_to_target: float | None = Field(None, description="labels the probe's curve needs for it")
    features_labels_to_target: float | None = Field(None, description="labels the features' curve needs for it")
    labels_saved: int | None = Field(
        None, description="features_labels_to_target - probe_labels_to_target (negative: the probe costs labels)")
    features_baseline: list[str] | None = Field(None, description="the photometric columns of the baseline")
    created_at: datetime


class ProbeHistoryPoint(BaseModel):
    model_version: int
    version: int
    n_labels: int | None = None
    validation_accuracy: float | None = None
    features_only_accuracy: float | None = None
    created_at: datetime


class LearningStatus(BaseModel):
    """Where the image's loop stands: encoder, embeddings, probe, labels, accuracy history, active tasks."""

    image_id: int
    has_encoder: bool
    encoder: EncoderSummary | None = None
    embeddings: EmbeddingsSummary | None = None
    probe: ProbeSummary | None = None
    n_labels: int
    validation_accuracy: float | None = None
    history: list[ProbeHistoryPoint]
    active_tasks: list[TaskEvent]


class BinaryPrediction(BaseModel):
    group: str = Field(description="the more probable group of the scheme's binary question (LEGUS: cluster)")
    p: float = Field(description="its probability (the sum of its classes')")
    entropy: float = Field(description="the two groups' entropy in nats: what the uncertainty picks rank by")


class PredictionItem(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source_id: int
    x: float
    y: float
    class_: str | None = Field(None, alias="class", description="the most probable class")
    score: float | None = Field(None, description="its probability")
    entropy: float | None = Field(None, description="the entropy of the class probabilities, nats")
    probs: dict[str, float] = Field(description="probability per class")
    binary: BinaryPrediction | None = Field(None, description="the answer to the scheme's binary question "
                                            "(None when the scheme has none covering the probe's classes)")
    rank: int | None = Field(None, description="1..k when picked to be labelled next")
    pseudo_label: str | None = Field(None, description="the class the probe trained on as a pseudo-label")


class Predictions(BaseModel):
    model_version: int | None = Field(None, description="the current probe (None: no probe yet)")
    version: int | None = None
    count: int
    truncated: bool
    items: list[PredictionItem]


class RankedSource(SourceSummary):
    rank: int


class NextToLabel(BaseModel):
    """The sources to label next, best first. ``task`` and ``layer_id`` are None for a ``GET`` (a proposal)."""

    task: int | None = None
    strategy: str
    layer_id: int | None = Field(None, description="the picked layer (POST)")
    model_version: int | None = Field(None, description="the encoder version the picks are based on")
    question: str = Field("classes", description='what "uncertain" meant: "binary" (the scheme\'s binary '
                          'question, e.g. cluster or not) or "classes" (the probe\'s own classes)')
    count: int
    items: list[RankedSource]


class EmbeddingPoint(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source_id: int
    pc: list[float] = Field(description="the first two principal components")
    label_class: str | None = None
    class_: str | None = Field(None, alias="class")
    score: float | None = None


class EmbeddingMap(BaseModel):
    model_version: int
    version: int
    explained_variance: list[float]
    count: int
    items: list[EmbeddingPoint]


class SimilarSource(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source_id: int
    rank: int
    similarity: float = Field(description="cosine similarity of the centred embeddings")
    distance: float
    farther: float = Field(description="fraction of the image's sources farther away")
    x: float
    y: float
    label_class: str | None = None
    class_: str | None = Field(None, alias="class")
    score: float | None = None


class SimilarSources(BaseModel):
    source_id: int
    model_version: int
    too_young: bool = Field(description="the encoder cannot tell the image's sources apart yet")
    raw_cosine_p5: float
    note: str | None = None
    items: list[SimilarSource]
