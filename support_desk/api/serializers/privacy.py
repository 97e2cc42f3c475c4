"""Personal data: the erasure request and record; the export's query."""

from rest_framework import serializers

from privacy.models import Erasure


class EraseRequesterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The requester's address.")
    reason = serializers.CharField(
        max_length=500, help_text="Why (kept for good with the record): do not name the person."
    )


class EraseEngineerSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why (kept for good with the record): do not name the person."
    )


class ExportQuerySerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The person's address.")


class ErasureSerializer(serializers.ModelSerializer):
    erased_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    already_erased = serializers.SerializerMethodField(
        help_text="True when nothing was left: this is the record of the earlier erasure."
    )

    class Meta:
        model = Erasure
        fields = ["id", "kind", "pseudonym", "reason", "erased_by", "at", "counts", "already_erased"]
        read_only_fields = fields

    def get_already_erased(self, obj) -> bool:
        return bool(self.context.get("already"))
