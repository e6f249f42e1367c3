package io.recordtls.har;

import com.fasterxml.jackson.annotation.JsonInclude;
import de.sstoehr.harreader.model.HarPostData;
import de.sstoehr.harreader.model.HarRequest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one Jackson setup for HAR files: ISO-8601 dates, no nulls, stable pretty output. */
public final class HarJson {
    private HarJson() {}

    /**
     * har-reader's HarRequest always holds a postData (its constructor puts an empty one in):
     * a GET must not claim one, so an empty postData is left out.
     */
    abstract static class HarRequestMixin {
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = NoPostData.class)
        abstract HarPostData postData();
    }

    /** Jackson leaves out a value this filter "equals". */
    static final class NoPostData {
        @Override
        public boolean equals(Object o) {
            return o instanceof HarPostData p && p.mimeType() == null && p.text() == null
                    && (p.params() == null || p.params().isEmpty()) && p.additional().isEmpty();
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /**
     * A HAR holds whole bodies as single strings (base64 for binary): Jackson's default limit of
     * 20 M characters per string would refuse any body over 15 MB.
     */
    public static com.fasterxml.jackson.core.JsonFactory factory() {
        return com.fasterxml.jackson.core.JsonFactory.builder()
                .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                        .maxStringLength(Integer.MAX_VALUE).maxDocumentLength(-1).build())
                .build();
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper(factory())
                .addMixIn(HarRequest.class, HarRequestMixin.class)
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }
}
