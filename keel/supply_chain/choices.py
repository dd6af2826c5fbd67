"""Enumerations of the supply chain: units, lifecycles, location kinds, movement reasons,
purchase order statuses and their named groups."""

from django.db import models


class UnitOfMeasure(models.TextChoices):
    EACH = "each", "Each"
    BOX = "box", "Box"
    PALLET = "pallet", "Pallet"
    KILOGRAM = "kg", "Kilogram"
    LITRE = "l", "Litre"
    METRE = "m", "Metre"

    @classmethod
    def allows_fractions(cls, unit: str) -> bool:
        """Counted units take whole numbers; measured units take decimals."""
        return unit in {cls.KILOGRAM, cls.LITRE, cls.METRE}


class Lifecycle(models.TextChoices):
    NEW = "new", "New"
    ACTIVE = "active", "Active"
    PHASE_OUT = "phase_out", "Phasing out"
    DISCONTINUED = "discontinued", "Discontinued"


class LocationKind(models.TextChoices):
    STORAGE = "storage", "Storage"
    RECEIVING = "receiving", "Receiving dock"
    SHIPPING = "shipping", "Shipping dock"
    QUARANTINE = "quarantine", "Quality hold"


class MovementReason(models.TextChoices):
    """Why stock moved. Each reason fixes which balances it may change, and in which direction."""

    RECEIPT = "receipt", "Receipt"
    SHIPMENT = "shipment", "Shipment"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    ADJUSTMENT = "adjustment", "Adjustment"
    COUNT_CORRECTION = "count_correction", "Count correction"
    RETURN_TO_STOCK = "return_to_stock", "Return to stock"
    SCRAP = "scrap", "Scrap"
    RESERVATION = "reservation", "Reservation"
    RELEASE = "release", "Release"
    REVERSAL = "reversal", "Reversal"


# (sign of the on-hand change, sign of the reserved change); 0 = must not change,
# None = either direction. A shipment may consume a reservation (reserved goes down too).
REASON_RULES: dict[str, tuple[int | None, int | None]] = {
    MovementReason.RECEIPT: (1, 0),
    MovementReason.SHIPMENT: (-1, None),
    MovementReason.TRANSFER_OUT: (-1, None),
    MovementReason.TRANSFER_IN: (1, 0),
    MovementReason.ADJUSTMENT: (None, 0),
    MovementReason.COUNT_CORRECTION: (None, 0),
    MovementReason.RETURN_TO_STOCK: (1, 0),
    MovementReason.SCRAP: (-1, 0),
    MovementReason.RESERVATION: (0, 1),
    MovementReason.RELEASE: (0, -1),
}


class PurchaseOrderStatus(models.TextChoices):
    """Where a purchase order is in its life. The allowed moves are ``PO_TRANSITIONS``."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


_S = PurchaseOrderStatus
# Goods are still expected (or the order may still become an order).
PO_OPEN_STATUSES = frozenset({_S.DRAFT, _S.SUBMITTED, _S.APPROVED, _S.SENT, _S.PARTIALLY_RECEIVED})
# Committed to the supplier: what is left to receive counts as stock on order.
PO_ON_ORDER_STATUSES = frozenset({_S.APPROVED, _S.SENT, _S.PARTIALLY_RECEIVED})
PO_CANCELLABLE_STATUSES = frozenset({_S.DRAFT, _S.SUBMITTED, _S.APPROVED, _S.SENT})
PO_RECEIVABLE_STATUSES = frozenset({_S.SENT, _S.PARTIALLY_RECEIVED})
# A partially received order may be closed short (the rest will not come).
PO_CLOSABLE_STATUSES = frozenset({_S.PARTIALLY_RECEIVED, _S.RECEIVED})
PO_FINISHED_STATUSES = frozenset({_S.CLOSED, _S.CANCELLED})

PO_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.DRAFT: frozenset({_S.SUBMITTED, _S.CANCELLED}),
    _S.SUBMITTED: frozenset({_S.APPROVED, _S.CANCELLED}),
    _S.APPROVED: frozenset({_S.SENT, _S.CANCELLED}),
    _S.SENT: frozenset({_S.PARTIALLY_RECEIVED, _S.RECEIVED, _S.CANCELLED}),
    _S.PARTIALLY_RECEIVED: frozenset({_S.PARTIALLY_RECEIVED, _S.RECEIVED, _S.CLOSED}),
    _S.RECEIVED: frozenset({_S.CLOSED}),
    _S.CLOSED: frozenset(),
    _S.CANCELLED: frozenset(),
}
# The order the board shows its columns in.
PO_BOARD_COLUMNS = (_S.DRAFT, _S.SUBMITTED, _S.APPROVED, _S.SENT, _S.PARTIALLY_RECEIVED, _S.RECEIVED)


class TransferStatus(models.TextChoices):
    """Where a transfer between sites is: draft, shipped (in transit), partially received
    (some of it still in transit), received or cancelled."""

    DRAFT = "draft", "Draft"
    SHIPPED = "shipped", "In transit"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


# Shipped and not all received: what is left on these transfers is in transit.
TRANSFER_IN_TRANSIT_STATUSES = frozenset({TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED})


class CountStatus(models.TextChoices):
    """Where a cycle count is: open -> submitted -> posted, or needs approval -> approved -> posted;
    cancelled from any status before posted."""

    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    NEEDS_APPROVAL = "needs_approval", "Needs approval"
    APPROVED = "approved", "Approved"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


# A count may be cancelled until it is posted (nothing has moved before that).
COUNT_CANCELLABLE_STATUSES = (CountStatus.OPEN, CountStatus.SUBMITTED, CountStatus.NEEDS_APPROVAL,
                              CountStatus.APPROVED)


class VarianceReason(models.TextChoices):
    DAMAGED = "damaged", "Damaged"
    MISPLACED = "misplaced", "Misplaced"
    THEFT = "theft", "Theft"
    DATA_ERROR = "data_error", "Data error"
    UNKNOWN = "unknown", "Unknown"
