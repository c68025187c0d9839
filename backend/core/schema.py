from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Names nested serializers after the API class that holds them.

    Each APIView declares its own `InputSerializer` / `OutputSerializer` (one view per operation),
    so plain class names would collide in the schema's components; `PledgeCreateApi.InputSerializer`
    becomes the component `PledgeCreateInput` instead.
    """

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        parts = cls.__qualname__.split(".")
        if len(parts) >= 2 and "<locals>" not in parts:
            outer = parts[-2].removesuffix("Api").removesuffix("View").removesuffix("ViewSet")
            return outer + parts[-1]
        return super().get_serializer_name(serializer, direction)
