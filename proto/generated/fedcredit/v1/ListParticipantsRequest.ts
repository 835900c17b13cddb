// Original file: proto/fedcredit/v1/fedcredit.proto


export interface ListParticipantsRequest {
}

export interface ListParticipantsRequest__Output {
}
